-- 006_outbox_generation: how many times staff have sent a notification
-- again (issuer.ResendNotification). A resend puts attempts back to 0, so
-- an attempt's outcome is written only while both its attempts and this
-- generation are still the claim's; and the Message-ID changes with it, so
-- a mail provider that drops repeated Message-IDs delivers the resend.
ALTER TABLE outbox ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
