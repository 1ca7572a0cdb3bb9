-- Foundation schema: organisation, registers and their counters, letters, register entries,
-- PDF revisions, the outbox, API tokens and the hash-chained audit log.

CREATE TABLE agencies (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    letters     text NOT NULL DEFAULT '',   -- รหัสตัวพยัญชนะ, e.g. สข
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE units (
    code        text PRIMARY KEY,
    agency_code text NOT NULL REFERENCES agencies(code),
    parent_code text REFERENCES units(code) DEFERRABLE INITIALLY DEFERRED,
    name        text NOT NULL,
    short_name  text NOT NULL DEFAULT '',
    owner_code  text NOT NULL DEFAULT '',   -- เลขประจำของเจ้าของเรื่อง, e.g. 0020.1
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_code IS NULL OR parent_code <> code)
);
CREATE INDEX units_parent ON units(parent_code);

CREATE TABLE people (
    id          text PRIMARY KEY,           -- a stable login-like id, e.g. sujit
    name        text NOT NULL,              -- as printed: นางสาวสุจิตรา ...
    email       text NOT NULL DEFAULT '',
    active      boolean NOT NULL DEFAULT true,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A person may hold positions in several units and acts in the capacity of one of them.
CREATE TABLE positions (
    person_id   text NOT NULL REFERENCES people(id),
    unit_code   text NOT NULL REFERENCES units(code),
    title       text NOT NULL,              -- position line as printed
    is_head     boolean NOT NULL DEFAULT false,
    role        text NOT NULL DEFAULT 'staff', -- staff | clerk | head | deputy | admin
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, unit_code, title)
);
CREATE INDEX positions_unit ON positions(unit_code);
CREATE UNIQUE INDEX positions_one_head ON positions(unit_code) WHERE is_head;

CREATE TABLE registers (
    code        text PRIMARY KEY,
    unit_code   text NOT NULL REFERENCES units(code),
    kind        text NOT NULL CHECK (kind IN ('receive', 'send')),
    name        text NOT NULL,
    central     boolean NOT NULL DEFAULT false,
    series      text[] NOT NULL DEFAULT ARRAY['normal'],
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per (register, series, BE year): the last number issued. Gap-free because the
-- increment commits or rolls back with the letter that took it.
CREATE TABLE register_counters (
    register_code text NOT NULL REFERENCES registers(code),
    series        text NOT NULL,
    year          int  NOT NULL CHECK (year > 2400),
    last          int  NOT NULL CHECK (last >= 0),
    PRIMARY KEY (register_code, series, year)
);

CREATE TABLE letters (
    id               uuid PRIMARY KEY,
    created_at       timestamptz NOT NULL DEFAULT now(),
    doc_number_raw   text NOT NULL DEFAULT '',
    doc_number       text NOT NULL DEFAULT '',  -- canonical, Arabic digits
    doc_date         date,
    doc_date_raw     text NOT NULL DEFAULT '',
    from_text        text NOT NULL DEFAULT '',
    to_text          text NOT NULL DEFAULT '',
    subject          text NOT NULL DEFAULT '',
    urgency          text NOT NULL DEFAULT 'normal'
                     CHECK (urgency IN ('normal','urgent','very_urgent','most_urgent')),
    secrecy          text NOT NULL DEFAULT 'normal'
                     CHECK (secrecy IN ('normal','confidential','secret','top_secret')),
    deadline         timestamptz,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
    stage            text NOT NULL DEFAULT 'received',
    original_sha256  text NOT NULL,
    pages            int  NOT NULL DEFAULT 0,
    source_letter_id uuid REFERENCES letters(id)
);
CREATE INDEX letters_original ON letters(original_sha256);
CREATE INDEX letters_source ON letters(source_letter_id) WHERE source_letter_id IS NOT NULL;

CREATE TABLE register_entries (
    id             bigserial PRIMARY KEY,
    register_code  text NOT NULL REFERENCES registers(code),
    series         text NOT NULL DEFAULT 'normal',
    year           int  NOT NULL,
    number         int  NOT NULL CHECK (number > 0),
    letter_id      uuid NOT NULL REFERENCES letters(id),
    received_at    timestamptz NOT NULL,
    received_by    text NOT NULL,              -- person id or 'operator:<name>'
    capacity       text NOT NULL DEFAULT '',   -- position line the person acted in
    action_text    text NOT NULL DEFAULT '',   -- การปฏิบัติ
    note           text NOT NULL DEFAULT '',   -- หมายเหตุ
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active','cancelled')),
    cancelled_at   timestamptz,
    cancel_reason  text NOT NULL DEFAULT '',
    UNIQUE (register_code, series, year, number),
    UNIQUE (register_code, letter_id)
);
CREATE INDEX register_entries_letter ON register_entries(letter_id);

CREATE TABLE revisions (
    letter_id   uuid NOT NULL REFERENCES letters(id),
    seq         int  NOT NULL CHECK (seq >= 1),
    kind        text NOT NULL,                 -- original | stamped
    sha256      text NOT NULL,
    object_key  text NOT NULL,
    size        bigint NOT NULL,
    entry_id    bigint REFERENCES register_entries(id),  -- the receipt a stamp belongs to
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (letter_id, seq)
);
CREATE UNIQUE INDEX revisions_one_stamp_per_entry ON revisions(entry_id) WHERE kind = 'stamped';

CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL,              -- start-incoming | stamp
    letter_id       uuid NOT NULL REFERENCES letters(id),
    payload         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NOT NULL DEFAULT '',
    delivered_at    timestamptz
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE delivered_at IS NULL;

CREATE TABLE api_tokens (
    id          bigserial PRIMARY KEY,
    person_id   text NOT NULL REFERENCES people(id),
    name        text NOT NULL DEFAULT '',
    token_sha256 bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- The audit log: append-only, hash-chained. The chain is computed here, in the database, so no
-- writer can skip it; `saraban audit verify` recomputes it in Go.
CREATE TABLE audit_log (
    id           bigint PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    capacity     text NOT NULL DEFAULT '',
    action       text NOT NULL,
    subject_type text NOT NULL DEFAULT '',
    subject_id   text NOT NULL DEFAULT '',
    detail       jsonb NOT NULL DEFAULT '{}',
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);
CREATE SEQUENCE audit_log_id_seq;

-- audit_canonical is the exact text that is hashed; Go's verifier builds the same string.
CREATE FUNCTION audit_canonical(prev text, id bigint, at timestamptz, actor text, capacity text,
                                action text, subject_type text, subject_id text, detail jsonb)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT prev || '|' || id::text || '|' ||
           to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '|' ||
           actor || '|' || capacity || '|' || action || '|' || subject_type || '|' ||
           subject_id || '|' || detail::text
$$;

CREATE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev text;
BEGIN
    -- One writer at a time extends the chain; the lock is held until the transaction ends,
    -- so ids are assigned in chain order.
    PERFORM pg_advisory_xact_lock(736162617261);
    SELECT hash INTO prev FROM audit_log ORDER BY id DESC LIMIT 1;
    IF prev IS NULL THEN
        prev := repeat('0', 64);
    END IF;
    NEW.id := nextval('audit_log_id_seq');
    NEW.at := date_trunc('microseconds', clock_timestamp());
    NEW.prev_hash := prev;
    NEW.hash := encode(sha256(convert_to(audit_canonical(prev, NEW.id, NEW.at, NEW.actor,
        NEW.capacity, NEW.action, NEW.subject_type, NEW.subject_id, NEW.detail), 'UTF8')), 'hex');
    RETURN NEW;
END $$;

CREATE TRIGGER audit_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_chain();

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
