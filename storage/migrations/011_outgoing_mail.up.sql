-- Outgoing letters sent by e-mail (issue 4): each address is one outgoing_deliveries row
-- (kind 'email'), sent at most once by the dispatch activity: status 'delivered' once the SMTP
-- server accepted it, 'failed' with the last error while it is retried or after it was given up.
-- attempts counts the tries (the backoff and the give-up are counted per address), message_id
-- is the Message-ID it carries (stable per letter and address, so a copy sent twice after a
-- crash can be recognised), sent_at when the server accepted it.
ALTER TABLE outgoing_deliveries
    ADD COLUMN attempts   int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN message_id text NOT NULL DEFAULT '',
    ADD COLUMN sent_at    timestamptz;
