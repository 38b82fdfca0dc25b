-- 002_vcapi: credentials signed through VC-API POST /credentials/issue
-- (recorded so POST /credentials/status can revoke or suspend them), and a
-- provider's status mode (whether awards carry a suspension entry too).

ALTER TABLE providers ADD COLUMN status_mode TEXT NOT NULL DEFAULT 'revocation';

-- A status entry now belongs to an award or to an issued_credentials row (the
-- same id space: both are tohu's random 26-character ids), so award_id no
-- longer references awards alone. SQLite cannot drop a constraint: rebuild
-- the table (nothing references it).
CREATE TABLE status_entries_002 (
	provider_id TEXT NOT NULL REFERENCES providers(id),
	purpose     TEXT NOT NULL,
	idx         INTEGER NOT NULL,
	award_id    TEXT NOT NULL,
	is_set      BOOLEAN NOT NULL DEFAULT 0,
	PRIMARY KEY (provider_id, purpose, idx),
	UNIQUE (award_id, purpose)
);
INSERT INTO status_entries_002 (provider_id, purpose, idx, award_id, is_set)
	SELECT provider_id, purpose, idx, award_id, is_set FROM status_entries;
DROP TABLE status_entries;
ALTER TABLE status_entries_002 RENAME TO status_entries;
CREATE INDEX status_entries_set ON status_entries (provider_id, purpose) WHERE is_set;

CREATE TABLE issued_credentials (
	id            TEXT PRIMARY KEY,
	provider_id   TEXT NOT NULL REFERENCES providers(id),
	credential_id TEXT NOT NULL,
	format        TEXT NOT NULL,
	body          BLOB NOT NULL,
	state         TEXT NOT NULL,
	reason        TEXT NOT NULL DEFAULT '',
	issued_by     TEXT NOT NULL,
	created_at    DATETIME NOT NULL,
	updated_at    DATETIME NOT NULL,
	UNIQUE (provider_id, credential_id)
);
