-- What each source publishes, so that a figure is stated only where its basis exists (etl/basis.py).
-- Both tables are written by every run (etl/run.py): basis_facts from etl/basis.py FACTS, and the
-- running source's rows of source_facts, OR-ed with what earlier runs of the same source id recorded
-- (a source id that loaded a complaints file and then a penalty file publishes both).

CREATE TABLE basis_facts (
    fact      VARCHAR PRIMARY KEY,
    label_en  VARCHAR NOT NULL,    -- as in "does not publish <label>"
    label_zh  VARCHAR NOT NULL
);

CREATE TABLE source_facts (
    source_id  VARCHAR NOT NULL,
    fact       VARCHAR NOT NULL,
    published  BOOLEAN NOT NULL,   -- some run of this source id published it
    run_id     VARCHAR NOT NULL,   -- the latest run of the source that recorded this row
    PRIMARY KEY (source_id, fact)
);
