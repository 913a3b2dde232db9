-- Store and legal-entity identity across files (docs/linking.md), and the platforms' labels.

-- Platforms: the codes stored in merchants.platform and complaints.platform, with their labels.
-- Rows are rewritten from data/reference/platforms.yml by every run (etl/reference.py).
CREATE TABLE platforms (
    platform  VARCHAR PRIMARY KEY,
    label_en  VARCHAR NOT NULL,
    label_zh  VARCHAR NOT NULL
);

-- true: a register (an import with target stores / entities) lists it; false: only mentioned by
-- complaints or penalties (a mention never overwrites a register's row); NULL: the source does not
-- say (demo, CFPB, NYC).
ALTER TABLE merchants ADD COLUMN listed_in_register BOOLEAN;
-- the platform's own store id, when a file gives one (the store's identity is then platform + id)
ALTER TABLE merchants ADD COLUMN platform_store_id VARCHAR;

ALTER TABLE entities ADD COLUMN parent_name VARCHAR;
ALTER TABLE entities ADD COLUMN listed_in_register BOOLEAN;
