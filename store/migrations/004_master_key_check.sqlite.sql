-- 004_master_key_check: one row tying the database to its master key, a
-- fixed label sealed under that key (keys.MasterKey.SealCheck). Every start
-- opens it and refuses a key that does not; the first replica to start on
-- an empty database writes it (INSERT ... ON CONFLICT DO NOTHING on id 1).
-- It holds no secret: the label is public, the rest is ciphertext, a nonce
-- and a keyed check value.

CREATE TABLE master_key_check (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	token      BLOB NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
