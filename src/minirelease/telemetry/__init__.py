"""Launch outcomes reported by partner apps (issue 5): partner app keys, and counters per
release, outcome and minute that the health gates of ramp plans read."""
