"""The platform's signing keys as the database knows them (issue 11, item 3): which key
signs (one, shared by every process), which earlier keys are still published for partner
apps to verify older signatures with, and which are retired. Private keys never enter the
database: only public keys and their ids."""
