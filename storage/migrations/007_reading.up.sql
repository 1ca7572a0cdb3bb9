-- Reading a letter off the request path (issue 6): a scan, or a large file, is read by OCR in
-- the letter's workflow after intake; read_state says where that stands.
ALTER TABLE letters ADD COLUMN read_state text NOT NULL DEFAULT ''
    CHECK (read_state IN ('', 'pending', 'done', 'failed'));
