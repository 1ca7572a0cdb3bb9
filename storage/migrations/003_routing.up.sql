-- Routing, delegation, deadlines and notifications (issue 3): the life of an incoming letter
-- after intake. Postgres records every action; the IncomingLetter workflow orchestrates.

ALTER TABLE letters
    ADD COLUMN retention_class text NOT NULL DEFAULT '',
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN forwarded_by_action bigint;  -- the forward action that made this copy

-- The timeline: every routing action on a letter, with who, in which capacity, and when.
CREATE TABLE letter_actions (
    id          bigserial PRIMARY KEY,
    letter_id   uuid NOT NULL REFERENCES letters(id),
    kind        text NOT NULL CHECK (kind IN ('annotate','order','ack','report','return','reassign',
                                             'forward','close','deadline','reopen')),
    actor       text NOT NULL,              -- person id who acted
    operator    text NOT NULL DEFAULT '',   -- operator:<name> when an operator acted --as the person
    capacity    text NOT NULL DEFAULT '',   -- capacity lines joined with a newline
    unit_code   text REFERENCES units(code),-- the unit the actor acted for
    note        text NOT NULL DEFAULT '',
    payload     jsonb NOT NULL DEFAULT '{}',
    request_id  text NOT NULL,              -- idempotency key of the request
    at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (letter_id, request_id)
);
CREATE INDEX letter_actions_letter ON letter_actions(letter_id, id);

-- Work given by an order (สั่งการ) to a unit or a person.
CREATE TABLE tasks (
    id              bigserial PRIMARY KEY,
    letter_id       uuid NOT NULL REFERENCES letters(id),
    action_id       bigint NOT NULL REFERENCES letter_actions(id),
    assignee_unit   text REFERENCES units(code),
    assignee_person text REFERENCES people(id),
    purpose         text NOT NULL CHECK (purpose IN ('inform','consider','act','circulate')),
    due_at          timestamptz,
    assigned_by     text NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open','acknowledged','done','returned','reassigned','cancelled')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz,
    CHECK (assignee_unit IS NOT NULL OR assignee_person IS NOT NULL)
);
CREATE INDEX tasks_letter ON tasks(letter_id);
CREATE INDEX tasks_open_person ON tasks(assignee_person) WHERE status = 'open';
CREATE INDEX tasks_open_unit ON tasks(assignee_unit) WHERE status = 'open';

-- One copy per (forward action, unit): a rerun after a crash makes only what is missing.
CREATE TABLE forwards (
    action_id   bigint NOT NULL REFERENCES letter_actions(id),
    unit_code   text NOT NULL REFERENCES units(code),
    letter_id   uuid NOT NULL REFERENCES letters(id),   -- the copy
    entry_id    bigint NOT NULL REFERENCES register_entries(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action_id, unit_code)
);

-- Delegation: on behalf (ปฏิบัติราชการแทน) for named powers, acting (รักษาราชการแทน) for the
-- whole post. Periods are whole days in Bangkok, end inclusive.
CREATE TABLE delegations (
    id            bigserial PRIMARY KEY,
    delegator     text NOT NULL REFERENCES people(id),
    delegate      text NOT NULL REFERENCES people(id),
    kind          text NOT NULL CHECK (kind IN ('on_behalf','acting')),
    unit_code     text NOT NULL REFERENCES units(code),
    inherit       boolean NOT NULL DEFAULT false,
    powers        text[] NOT NULL DEFAULT '{}',
    starts_on     date NOT NULL,
    ends_on       date NOT NULL,
    note          text NOT NULL DEFAULT '',
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    ended_at      timestamptz,
    ended_by      text NOT NULL DEFAULT '',
    CHECK (delegator <> delegate),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX delegations_delegate ON delegations(delegate);
CREATE INDEX delegations_delegator ON delegations(delegator);

-- Public holidays: working days skip them and weekends.
CREATE TABLE holidays (
    day        date PRIMARY KEY,
    name       text NOT NULL,
    estimated  boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The in-app inbox: one row per person per event, never two for the same event.
CREATE TABLE notifications (
    id          bigserial PRIMARY KEY,
    person_id   text NOT NULL REFERENCES people(id),
    letter_id   uuid REFERENCES letters(id),
    task_id     bigint REFERENCES tasks(id),
    kind        text NOT NULL,              -- task | reminder | due | overdue | escalation | forwarded | ...
    event_key   text NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    UNIQUE (person_id, event_key)
);
CREATE INDEX notifications_person ON notifications(person_id, created_at DESC);

-- Delivery of notifications to outside channels (e-mail, webhooks), with leases and backoff.
CREATE TABLE deliveries (
    id              bigserial PRIMARY KEY,
    notification_id bigint NOT NULL REFERENCES notifications(id),
    channel         text NOT NULL CHECK (channel IN ('email','webhook')),
    target          text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    last_error      text NOT NULL DEFAULT '',
    sent_at         timestamptz,
    UNIQUE (notification_id, channel, target)
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhooks (
    id          bigserial PRIMARY KEY,
    url         text NOT NULL UNIQUE,
    secret      text NOT NULL,
    events      text[] NOT NULL DEFAULT '{}',  -- empty = every kind
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Which powers a unit's head holds in their own right (configurable per agency); others need a
-- delegation. Defaults are inserted here and may be changed by the operator.
CREATE TABLE power_holders (
    agency_code text NOT NULL REFERENCES agencies(code) ON DELETE CASCADE,
    power       text NOT NULL CHECK (power IN ('order','forward','close','sign','annotate')),
    holder      text NOT NULL CHECK (holder IN ('unit_head','agency_head','member','clerk')),
    PRIMARY KEY (agency_code, power)
);
