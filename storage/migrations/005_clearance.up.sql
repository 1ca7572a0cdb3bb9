-- Secrecy limits who sees a letter: a person sees a classified letter only with a clearance at
-- least its class (ลับ = confidential, ลับมาก = secret). ลับที่สุด never enters the system.
ALTER TABLE people ADD COLUMN clearance text NOT NULL DEFAULT 'normal'
    CHECK (clearance IN ('normal', 'confidential', 'secret'));

CREATE FUNCTION secrecy_rank(s text) RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE s WHEN 'normal' THEN 0 WHEN 'confidential' THEN 1 WHEN 'secret' THEN 2 WHEN 'top_secret' THEN 3 ELSE 99 END
$$;
