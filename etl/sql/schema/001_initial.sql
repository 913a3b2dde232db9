-- Storewatch warehouse schema, version 1.
-- All timestamps are UTC (TIMESTAMP without zone). Every fact table carries the provenance
-- columns: source_id, source_record_id, fetched_at, raw_hash, run_id.

CREATE TABLE sources (
    source_id     VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    publisher     VARCHAR NOT NULL,
    homepage      VARCHAR,
    licence       VARCHAR,
    is_synthetic  BOOLEAN NOT NULL,
    description   VARCHAR,
    as_of         TIMESTAMP          -- records are complete up to here; open complaints are censored here
);

CREATE TABLE etl_runs (
    run_id          VARCHAR PRIMARY KEY,
    source_id       VARCHAR NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL CHECK (status IN ('succeeded', 'failed')),
    seen            BIGINT NOT NULL DEFAULT 0,
    inserted        BIGINT NOT NULL DEFAULT 0,
    updated         BIGINT NOT NULL DEFAULT 0,
    unchanged       BIGINT NOT NULL DEFAULT 0,
    deleted         BIGINT NOT NULL DEFAULT 0,
    quarantined     BIGINT NOT NULL DEFAULT 0,
    table_counts    JSON,             -- the same counts per target table
    watermark       VARCHAR,          -- source-specific cursor for the next incremental run
    params          JSON,
    error           VARCHAR,
    warehouse_file  VARCHAR           -- the versioned file this run built (null when it failed)
);

CREATE TABLE quarantine (
    run_id            VARCHAR NOT NULL,
    source_id         VARCHAR NOT NULL,
    target_table      VARCHAR NOT NULL,
    source_record_id  VARCHAR,
    column_name       VARCHAR,
    reason            VARCHAR NOT NULL,
    raw               VARCHAR,
    quarantined_at    TIMESTAMP NOT NULL
);

-- Reference scales, with labels in both interface languages.
CREATE TABLE complaint_categories (
    category  VARCHAR PRIMARY KEY,
    label_en  VARCHAR NOT NULL,
    label_zh  VARCHAR NOT NULL
);

CREATE TABLE violation_types (
    violation_type  VARCHAR PRIMARY KEY,
    label_en        VARCHAR NOT NULL,
    label_zh        VARCHAR NOT NULL,
    -- the complaint category whose count is the denominator of the sanction rate
    matching_category VARCHAR REFERENCES complaint_categories (category)
);

CREATE TABLE sanction_scale (
    sanction_type  VARCHAR PRIMARY KEY,
    severity       SMALLINT NOT NULL UNIQUE,   -- ordinal: 1 = warning ... 7 = closure
    label_en       VARCHAR NOT NULL,
    label_zh       VARCHAR NOT NULL
);

CREATE TABLE entities (
    entity_id            VARCHAR PRIMARY KEY,
    name                 VARCHAR NOT NULL,
    name_normalised      VARCHAR NOT NULL,
    registration_number  VARCHAR,            -- e.g. unified social credit code
    country              VARCHAR,
    source_id            VARCHAR NOT NULL,
    source_record_id     VARCHAR NOT NULL,
    fetched_at           TIMESTAMP NOT NULL,
    raw_hash             VARCHAR NOT NULL,
    run_id               VARCHAR NOT NULL
);

CREATE TABLE merchants (
    merchant_id          VARCHAR PRIMARY KEY,
    name                 VARCHAR NOT NULL,    -- as recorded by the source
    name_normalised      VARCHAR NOT NULL,    -- NFKC, lower case, no spaces or punctuation: for search
    platform             VARCHAR NOT NULL,
    entity_id            VARCHAR,
    category             VARCHAR,             -- what the store sells
    size_measure         DOUBLE,              -- independent size measure, see size_basis
    size_basis           VARCHAR CHECK (size_basis IN ('orders', 'gmv', 'followers')),
    opened_on            DATE,
    closed_on            DATE,
    store_url            VARCHAR,
    source_id            VARCHAR NOT NULL,
    source_record_id     VARCHAR NOT NULL,
    fetched_at           TIMESTAMP NOT NULL,
    raw_hash             VARCHAR NOT NULL,
    run_id               VARCHAR NOT NULL
);

-- The three large fact tables have no PRIMARY KEY index: the loader is their only writer and
-- keeps ids unique (tests check it); an ART index on 10 M text keys would triple load time.
CREATE TABLE merchant_volume (
    volume_id            VARCHAR NOT NULL,
    merchant_id          VARCHAR NOT NULL,
    period               DATE NOT NULL,       -- first day of the month
    orders               BIGINT,
    gmv                  DOUBLE,
    currency             VARCHAR,
    source_id            VARCHAR NOT NULL,
    source_record_id     VARCHAR NOT NULL,
    fetched_at           TIMESTAMP NOT NULL,
    raw_hash             VARCHAR NOT NULL,
    run_id               VARCHAR NOT NULL
);

CREATE TABLE complaints (
    complaint_id         VARCHAR NOT NULL,
    merchant_id          VARCHAR NOT NULL,
    platform             VARCHAR NOT NULL,
    filed_at             TIMESTAMP NOT NULL,
    forwarded_at         TIMESTAMP,           -- passed to the merchant (CFPB: date sent to company)
    first_response_at    TIMESTAMP,
    closed_at            TIMESTAMP,           -- left the open state (any final status); null while open
    category             VARCHAR NOT NULL,
    issue                VARCHAR,             -- the source's own wording of the problem
    amount_claimed       DECIMAL(18, 2),
    currency             VARCHAR,
    status               VARCHAR NOT NULL,    -- open / resolved / closed_unresolved / withdrawn
    source_status        VARCHAR,             -- the source's own status or response text
    outcome              VARCHAR,
    platform_intervened  BOOLEAN,             -- escalated to platform arbitration (a "dispute")
    timely_response      BOOLEAN,
    consumer_disputed    BOOLEAN,
    narrative            VARCHAR,             -- personal data masked before storage
    narrative_masked_items INTEGER,
    source_id            VARCHAR NOT NULL,
    source_record_id     VARCHAR NOT NULL,
    fetched_at           TIMESTAMP NOT NULL,
    raw_hash             VARCHAR NOT NULL,
    run_id               VARCHAR NOT NULL
);

CREATE TABLE penalties (
    penalty_id           VARCHAR NOT NULL,
    merchant_id          VARCHAR NOT NULL,
    entity_id            VARCHAR,
    authority_type       VARCHAR NOT NULL,    -- platform / regulator / court
    authority_name       VARCHAR,
    decided_at           DATE NOT NULL,
    violation_type       VARCHAR NOT NULL,
    violation_raw        VARCHAR,
    sanction_type        VARCHAR NOT NULL,
    points               INTEGER,
    fine_amount          DECIMAL(18, 2),
    fine_currency        VARCHAR,
    duration_days        INTEGER,
    document_url         VARCHAR,
    description          VARCHAR,
    source_id            VARCHAR NOT NULL,
    source_record_id     VARCHAR NOT NULL,
    fetched_at           TIMESTAMP NOT NULL,
    raw_hash             VARCHAR NOT NULL,
    run_id               VARCHAR NOT NULL
);

-- Ground truth planted by the synthetic demo source, so tests can check the analysis recovers it.
CREATE TABLE planted_effects (
    effect_id    VARCHAR PRIMARY KEY,
    source_id    VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,     -- sanction_leniency / slow_category / reopened_stores
    target       VARCHAR,              -- violation type, category, ...
    measure      VARCHAR NOT NULL,     -- what `size` is
    size         DOUBLE NOT NULL,
    parameters   JSON,
    description  VARCHAR NOT NULL
);

CREATE TABLE planted_reopenings (
    entity_id               VARCHAR NOT NULL,
    closed_merchant_id      VARCHAR NOT NULL,
    reopened_merchant_id    VARCHAR NOT NULL,
    closed_on               DATE NOT NULL,
    reopened_on             DATE NOT NULL
);
