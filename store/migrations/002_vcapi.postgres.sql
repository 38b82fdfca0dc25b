-- 002_vcapi: credentials signed through VC-API POST /credentials/issue
-- (recorded so POST /credentials/status can revoke or suspend them), and a
-- provider's status mode (whether awards carry a suspension entry too).

ALTER TABLE providers ADD COLUMN status_mode TEXT NOT NULL DEFAULT 'revocation';

-- A status entry now belongs to an award or to an issued_credentials row (the
-- same id space: both are tohu's random 26-character ids), so award_id no
-- longer references awards alone.
ALTER TABLE status_entries DROP CONSTRAINT IF EXISTS status_entries_award_id_fkey;

CREATE TABLE issued_credentials (
	id            TEXT PRIMARY KEY,
	provider_id   TEXT NOT NULL REFERENCES providers(id),
	credential_id TEXT NOT NULL,
	format        TEXT NOT NULL,
	body          BYTEA NOT NULL,
	state         TEXT NOT NULL,
	reason        TEXT NOT NULL DEFAULT '',
	issued_by     TEXT NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL,
	updated_at    TIMESTAMPTZ NOT NULL,
	UNIQUE (provider_id, credential_id)
);
