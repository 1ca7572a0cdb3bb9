-- The place of a unit among its siblings, as written in the organisation file, so that
-- `saraban org show` and the API list units in the order the agency wrote them (sections
-- before branches, …) rather than by code. Set by ImportOrg; 0 for units never imported.
ALTER TABLE units ADD COLUMN sort_order int NOT NULL DEFAULT 0;
