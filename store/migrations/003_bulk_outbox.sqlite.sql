-- 003_bulk_outbox: durable bulk-issuance jobs (one row per input line, so any
-- replica can claim, lease and resume work), the transactional outbox for
-- learner notifications, and an index for the NZQA completions report.
--
-- Leases and retry times are Unix milliseconds (BIGINT), not timestamps: the
-- same comparison on both dialects, with the time handed in by the caller.

CREATE TABLE bulk_jobs (
	id          TEXT PRIMARY KEY,
	provider_id TEXT NOT NULL REFERENCES providers(id),
	api_key_id  TEXT NOT NULL,
	roles       TEXT NOT NULL,           -- JSON array: the submitter's roles when submitted
	request_id  TEXT NOT NULL DEFAULT '',
	mode        TEXT NOT NULL,           -- issue | create
	state       TEXT NOT NULL,           -- queued | running | done | failed | cancelled
	total       INTEGER NOT NULL,
	created_at  DATETIME NOT NULL,
	started_at  DATETIME,
	finished_at DATETIME,
	updated_at  DATETIME NOT NULL
);
CREATE INDEX bulk_jobs_provider ON bulk_jobs (provider_id, created_at);

CREATE TABLE bulk_rows (
	job_id        TEXT NOT NULL REFERENCES bulk_jobs(id),
	line          INTEGER NOT NULL,
	input         TEXT NOT NULL,         -- JSON of the parsed row
	learner_email TEXT NOT NULL DEFAULT '',
	state         TEXT NOT NULL,         -- pending | issued | created | failed | invalid | cancelled
	award_id      TEXT NOT NULL DEFAULT '',
	error_field   TEXT NOT NULL DEFAULT '',
	error         TEXT NOT NULL DEFAULT '',
	attempts      INTEGER NOT NULL DEFAULT 0,
	lease_owner   TEXT NOT NULL DEFAULT '',
	lease_until   BIGINT NOT NULL DEFAULT 0,
	finished_at   DATETIME,
	PRIMARY KEY (job_id, line)
);
-- The claim query's index: only unfinished rows are in it.
CREATE INDEX bulk_rows_todo ON bulk_rows (job_id, line) WHERE state = 'pending';

CREATE TABLE outbox (
	id              TEXT PRIMARY KEY,
	provider_id     TEXT NOT NULL REFERENCES providers(id),
	award_id        TEXT NOT NULL REFERENCES awards(id),
	kind            TEXT NOT NULL,       -- e.g. award.issued
	to_addr         TEXT NOT NULL,
	subject         TEXT NOT NULL,
	body            TEXT NOT NULL,
	state           TEXT NOT NULL,       -- pending | sent | failed
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,     -- Unix ms; also the lease while sending
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      DATETIME NOT NULL,
	sent_at         DATETIME,
	UNIQUE (award_id, kind)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';

CREATE INDEX awards_completed ON awards (provider_id, completed_on);
