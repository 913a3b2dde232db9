-- overview_monthly: platform x calendar month (first day). Complaints and disputes by filing month,
-- penalties by decision month (platform of the penalised store), orders from merchant_volume
-- (NULL where no store of the platform reports orders that month).
-- reads: complaints, penalties, merchants, merchant_volume
CREATE OR REPLACE TABLE overview_monthly AS
WITH c AS (
    SELECT platform, CAST(date_trunc('month', filed_at) AS DATE) AS month, count(*) AS complaints,
           count(*) FILTER (WHERE platform_intervened) AS disputes
    FROM complaints GROUP BY ALL
),
p AS (
    SELECT m.platform, CAST(date_trunc('month', p.decided_at) AS DATE) AS month, count(*) AS penalties
    FROM penalties p JOIN merchants m USING (merchant_id) GROUP BY ALL
),
o AS (
    SELECT m.platform, v.period AS month, CAST(sum(v.orders) AS BIGINT) AS orders
    FROM merchant_volume v JOIN merchants m USING (merchant_id) GROUP BY ALL
)
SELECT platform, month, coalesce(c.complaints, 0) AS complaints, coalesce(c.disputes, 0) AS disputes,
       coalesce(p.penalties, 0) AS penalties, o.orders
FROM c FULL JOIN p USING (platform, month) FULL JOIN o USING (platform, month)
ORDER BY platform, month;
