-- Outgoing letters (issue 4, item 5): a draft goes through review, is numbered from a send
-- register, signed and dispatched. The send number comes from register_counters, like receive
-- numbers: (register, series, BE year), gap-free because the increment commits with the letter.
CREATE TABLE outgoing_letters (
    id              uuid PRIMARY KEY,
    register_code   text NOT NULL REFERENCES registers(code),
    series          text NOT NULL DEFAULT 'normal' CHECK (series IN ('normal', 'circular')),
    subject         text NOT NULL,
    recipients      jsonb NOT NULL DEFAULT '[]',   -- [{"unit": code} | {"email": address}]
    signer          text NOT NULL REFERENCES people(id),
    reviewers       text[] NOT NULL DEFAULT '{}',
    parallel        boolean NOT NULL DEFAULT false,
    urgency         text NOT NULL DEFAULT 'normal'
                    CHECK (urgency IN ('normal','urgent','very_urgent','most_urgent')),
    secrecy         text NOT NULL DEFAULT 'normal'
                    CHECK (secrecy IN ('normal','confidential','secret')),  -- ลับที่สุด never
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'review'
                    CHECK (status IN ('review','returned','signing','signed','sent')),
    year            int,
    number          int CHECK (number > 0),
    doc_number      text NOT NULL DEFAULT '',      -- e.g. สข 0020/15, สข 0020/ว 7 (Arabic digits)
    numbered_at     timestamptz,
    signed_by       text REFERENCES people(id),
    signed_capacity jsonb NOT NULL DEFAULT '[]',
    signed_at       timestamptz,
    UNIQUE (register_code, series, year, number)
);

CREATE TABLE outgoing_revisions (
    outgoing_id uuid NOT NULL REFERENCES outgoing_letters(id),
    seq         int  NOT NULL CHECK (seq >= 1),
    kind        text NOT NULL CHECK (kind IN ('draft', 'numbered', 'signed')),
    sha256      text NOT NULL,
    object_key  text NOT NULL,
    size        bigint NOT NULL,
    created_by  text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (outgoing_id, seq)
);
CREATE UNIQUE INDEX outgoing_revisions_one_numbered ON outgoing_revisions(outgoing_id) WHERE kind = 'numbered';
CREATE UNIQUE INDEX outgoing_revisions_one_signed ON outgoing_revisions(outgoing_id) WHERE kind = 'signed';

CREATE TABLE outgoing_steps (
    id          bigserial PRIMARY KEY,
    outgoing_id uuid NOT NULL REFERENCES outgoing_letters(id),
    request_id  text NOT NULL,
    round       int  NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('approve', 'return', 'resubmit', 'sign')),
    actor       text NOT NULL,
    note        text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL,
    UNIQUE (outgoing_id, request_id)
);

CREATE TABLE outgoing_deliveries (
    outgoing_id uuid NOT NULL REFERENCES outgoing_letters(id),
    recipient   text NOT NULL,                 -- unit code or e-mail address
    kind        text NOT NULL CHECK (kind IN ('unit', 'email')),
    letter_id   uuid REFERENCES letters(id),   -- the incoming copy of a unit
    entry_id    bigint REFERENCES register_entries(id),
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    error       text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (outgoing_id, recipient)
);
