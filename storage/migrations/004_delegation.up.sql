-- Delegation (issue 3, storage/delegations.go): ending a delegation early keeps the period it was
-- ordered for, and the delegate's post may be written as the delegation order writes it.

ALTER TABLE delegations
    -- Ended early: the first day on which the delegation no longer applies (NULL: it runs to
    -- ends_on). ends_on keeps the period as ordered; ended_at/ended_by say when and by whom.
    -- ended_on <= starts_on means it was cancelled before it took effect.
    ADD COLUMN ended_on date,
    -- The delegate's post as printed on the capacity line ('' = from the delegate's positions).
    ADD COLUMN delegate_title text NOT NULL DEFAULT '',
    ADD CONSTRAINT delegations_powers_known
        CHECK (powers <@ ARRAY['order','forward','close','sign','annotate']::text[]),
    -- On behalf names its powers; acting covers the whole post and names none.
    ADD CONSTRAINT delegations_powers_by_kind
        CHECK ((kind = 'on_behalf' AND cardinality(powers) > 0) OR (kind = 'acting' AND cardinality(powers) = 0)),
    ADD CONSTRAINT delegations_ended_consistent
        CHECK ((ended_on IS NULL) = (ended_at IS NULL));

CREATE INDEX delegations_unit ON delegations(unit_code);
