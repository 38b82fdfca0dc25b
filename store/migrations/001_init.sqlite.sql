-- 001_init: providers, keys, API keys, versioned achievements, awards,
-- credentials stored verbatim, status-list entries and lists, idempotency
-- keys and the audit log.

CREATE TABLE providers (
	id                   TEXT PRIMARY KEY,
	slug                 TEXT NOT NULL UNIQUE,
	name                 TEXT NOT NULL,
	url                  TEXT NOT NULL DEFAULT '',
	email                TEXT NOT NULL DEFAULT '',
	nzqa_provider_number TEXT NOT NULL DEFAULT '',
	image_url            TEXT NOT NULL DEFAULT '',
	did_method           TEXT NOT NULL,
	did                  TEXT NOT NULL UNIQUE,
	jwt_algorithm        TEXT NOT NULL,
	require_two_person   BOOLEAN NOT NULL DEFAULT 0,
	created_at           DATETIME NOT NULL
);

CREATE TABLE signing_keys (
	id                     TEXT PRIMARY KEY,
	provider_id            TEXT NOT NULL REFERENCES providers(id),
	kind                   TEXT NOT NULL,
	purpose                TEXT NOT NULL,
	verification_method_id TEXT NOT NULL UNIQUE,
	public_multikey        TEXT NOT NULL DEFAULT '',
	public_jwk             BLOB,
	sealed                 BLOB NOT NULL,
	status                 TEXT NOT NULL,
	created_at             DATETIME NOT NULL,
	retired_at             DATETIME
);
CREATE INDEX signing_keys_provider ON signing_keys (provider_id, created_at);

CREATE TABLE api_keys (
	id          TEXT PRIMARY KEY,
	provider_id TEXT NOT NULL REFERENCES providers(id),
	name        TEXT NOT NULL DEFAULT '',
	roles       TEXT NOT NULL,
	hash        BLOB NOT NULL,
	prefix      TEXT NOT NULL UNIQUE,
	created_at  DATETIME NOT NULL,
	revoked_at  DATETIME
);
CREATE INDEX api_keys_provider ON api_keys (provider_id);

CREATE TABLE achievements (
	id                   TEXT NOT NULL,
	version              INTEGER NOT NULL,
	provider_id          TEXT NOT NULL REFERENCES providers(id),
	title                TEXT NOT NULL,
	title_mi             TEXT NOT NULL DEFAULT '',
	nzqa_ref             TEXT NOT NULL,
	nzqa_version         TEXT NOT NULL,
	level                INTEGER NOT NULL,
	credits              INTEGER NOT NULL,
	aim                  TEXT NOT NULL DEFAULT '',
	outcomes             TEXT NOT NULL,
	assessment_narrative TEXT NOT NULL DEFAULT '',
	nzsced_code          TEXT NOT NULL,
	nzsced_name          TEXT NOT NULL DEFAULT '',
	developer            TEXT NOT NULL DEFAULT '',
	qa_route             TEXT NOT NULL DEFAULT '',
	equity_tags          TEXT NOT NULL DEFAULT '[]',
	approval_status      TEXT NOT NULL,
	listed_on            DATETIME,
	next_review_on       DATETIME,
	image_url            TEXT NOT NULL DEFAULT '',
	accredited_providers TEXT NOT NULL DEFAULT '[]',
	created_at           DATETIME NOT NULL,
	updated_at           DATETIME NOT NULL,
	PRIMARY KEY (id, version)
);
CREATE INDEX achievements_provider ON achievements (provider_id);

CREATE TABLE awards (
	id                  TEXT PRIMARY KEY,
	provider_id         TEXT NOT NULL REFERENCES providers(id),
	achievement_id      TEXT NOT NULL,
	achievement_version INTEGER NOT NULL,
	learner_name        TEXT NOT NULL,
	learner_email       TEXT NOT NULL DEFAULT '',
	learner_did         TEXT NOT NULL DEFAULT '',
	nsn                 TEXT NOT NULL DEFAULT '',
	result              TEXT NOT NULL DEFAULT '',
	credits_earned      INTEGER NOT NULL,
	completed_on        DATETIME NOT NULL,
	evidence_urls       TEXT NOT NULL DEFAULT '[]',
	state               TEXT NOT NULL,
	created_by          TEXT NOT NULL,
	approved_by         TEXT NOT NULL DEFAULT '',
	issued_at           DATETIME,
	reason              TEXT NOT NULL DEFAULT '',
	created_at          DATETIME NOT NULL,
	updated_at          DATETIME NOT NULL,
	FOREIGN KEY (achievement_id, achievement_version) REFERENCES achievements (id, version)
);
CREATE INDEX awards_provider ON awards (provider_id, created_at);
CREATE INDEX awards_achievement ON awards (achievement_id, achievement_version);

CREATE TABLE credentials (
	award_id    TEXT NOT NULL REFERENCES awards(id),
	format      TEXT NOT NULL,
	provider_id TEXT NOT NULL REFERENCES providers(id),
	body        BLOB NOT NULL,
	created_at  DATETIME NOT NULL,
	PRIMARY KEY (award_id, format)
);

-- One row per allocated index. The primary key is the guarantee that two
-- replicas never hand out the same index of one list.
CREATE TABLE status_entries (
	provider_id TEXT NOT NULL REFERENCES providers(id),
	purpose     TEXT NOT NULL,
	idx         INTEGER NOT NULL,
	award_id    TEXT NOT NULL REFERENCES awards(id),
	is_set      BOOLEAN NOT NULL DEFAULT 0,
	PRIMARY KEY (provider_id, purpose, idx),
	UNIQUE (award_id, purpose)
);
CREATE INDEX status_entries_set ON status_entries (provider_id, purpose) WHERE is_set;

CREATE TABLE status_lists (
	provider_id TEXT NOT NULL REFERENCES providers(id),
	purpose     TEXT NOT NULL,
	bits        INTEGER NOT NULL,
	body        BLOB,
	revision    INTEGER NOT NULL DEFAULT 0,
	updated_at  DATETIME NOT NULL,
	PRIMARY KEY (provider_id, purpose)
);

CREATE TABLE idempotency_keys (
	provider_id  TEXT NOT NULL REFERENCES providers(id),
	key          TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	award_id     TEXT NOT NULL REFERENCES awards(id),
	created_at   DATETIME NOT NULL,
	PRIMARY KEY (provider_id, key)
);

CREATE TABLE audit_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	provider_id TEXT NOT NULL DEFAULT '',
	actor       TEXT NOT NULL,
	action      TEXT NOT NULL,
	subject     TEXT NOT NULL,
	request_id  TEXT NOT NULL DEFAULT '',
	at          DATETIME NOT NULL,
	detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_provider ON audit_events (provider_id, id);
