-- overview_monthly: platform x calendar month (first day). Complaints and disputes by filing month,
-- penalties by decision month (platform of the penalised store), orders from merchant_volume
-- (NULL where no store of the platform reports orders that month).
-- disputes are NULL (not 0) on a platform no source publishing escalation covers, penalties on one
-- no source publishing penalties covers (platform_basis).
-- reads: complaints, penalties, merchants, merchant_volume, platform_basis
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
SELECT platform, month, coalesce(c.complaints, 0) AS complaints,
       CASE WHEN escalation.available THEN coalesce(c.disputes, 0) END AS disputes,
       CASE WHEN penalised.available THEN coalesce(p.penalties, 0) END AS penalties, o.orders
FROM c FULL JOIN p USING (platform, month) FULL JOIN o USING (platform, month)
LEFT JOIN platform_basis escalation ON escalation.platform = platform AND escalation.fact = 'escalation'
LEFT JOIN platform_basis penalised ON penalised.platform = platform AND penalised.fact = 'penalties'
ORDER BY platform, month;
