"""The build step of design §4: an uploaded, validated zip becomes a deterministic, signed
package. Every module here is free of database access so a job runner can call it anywhere."""
