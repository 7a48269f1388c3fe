//! Core tests: the simulation driven with explicit times (no server, no clock).
