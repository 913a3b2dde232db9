-- store_sources: store x source; every source that records something about the store (its store
-- row, complaints, penalties or monthly volumes), the basis of store_basis and platform_basis.
-- has_complaints: the source records complaints against the store.
-- reads: merchants, complaints, penalties, merchant_volume
CREATE OR REPLACE TABLE store_sources AS
WITH mentions AS (
    SELECT merchant_id, source_id, false AS complaint FROM merchants
    UNION ALL
    SELECT DISTINCT merchant_id, source_id, true FROM complaints
    UNION ALL
    SELECT DISTINCT merchant_id, source_id, false FROM penalties
    UNION ALL
    SELECT DISTINCT merchant_id, source_id, false FROM merchant_volume
)
SELECT merchant_id, source_id, bool_or(complaint) AS has_complaints
FROM mentions
GROUP BY ALL
ORDER BY merchant_id, source_id;
