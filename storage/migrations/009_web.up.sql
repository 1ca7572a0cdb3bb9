-- The web application (issue 7): local accounts, browser sessions, break-glass grants for
-- administrators, and trigram indexes so that a Thai word is found inside a subject without
-- word breaks.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- An account lets a person sign in. Every account is a person of the organisation; an
-- administrator is an account with is_admin, which gives administration screens but no letters.
CREATE TABLE accounts (
    username            text PRIMARY KEY CHECK (username = lower(username) AND username ~ '^[a-z0-9._@-]{2,64}$'),
    person_id           text NOT NULL UNIQUE REFERENCES people(id),
    password_hash       text NOT NULL DEFAULT '',    -- argon2id PHC string; '' = no local password
    oidc_subject        text UNIQUE,                 -- issuer + ' ' + sub, for OpenID Connect sign-in
    is_admin            boolean NOT NULL DEFAULT false,
    lang                text NOT NULL DEFAULT 'th' CHECK (lang IN ('th', 'en')),
    disabled            boolean NOT NULL DEFAULT false,
    failed_logins       int NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    password_changed_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- A browser session. Only the SHA-256 of the cookie value is stored.
CREATE TABLE web_sessions (
    id_hash        bytea PRIMARY KEY,
    username       text NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    csrf           text NOT NULL,
    capacity_unit  text NOT NULL DEFAULT '',     -- the position the person acts in
    capacity_title text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen      timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    ip             text NOT NULL DEFAULT '',
    user_agent     text NOT NULL DEFAULT ''
);
CREATE INDEX web_sessions_user ON web_sessions(username);
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);

-- Break-glass: an administrator's explicit, time-limited, audited grant to read one letter.
CREATE TABLE break_glass (
    id          bigserial PRIMARY KEY,
    username    text NOT NULL REFERENCES accounts(username),
    letter_id   uuid NOT NULL REFERENCES letters(id),
    reason      text NOT NULL CHECK (length(btrim(reason)) >= 10),
    granted_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz
);
CREATE INDEX break_glass_user ON break_glass(username, letter_id);

CREATE INDEX letters_subject_trgm ON letters USING gin (subject gin_trgm_ops);
CREATE INDEX letters_from_trgm ON letters USING gin (from_text gin_trgm_ops);
CREATE INDEX letters_docno_trgm ON letters USING gin (doc_number_raw gin_trgm_ops);
