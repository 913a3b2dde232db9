-- Stores whose name or company name contains the query ($1, normalised), or whose company's
-- registration number is it: one pass over each name (contains is linear), best first by name.
-- $3: a platform code to keep to, or NULL (an empty query then lists that platform's stores).
SELECT m.merchant_id, m.name, m.platform, e.name AS entity_name, m.closed_on, 1.0 AS score
FROM merchants m LEFT JOIN entities e ON e.entity_id = m.entity_id
WHERE (contains(m.name_normalised, $1)
       OR contains(coalesce(e.name_normalised, ''), $1)
       OR e.registration_number = upper($1))
  AND ($3::VARCHAR IS NULL OR m.platform = $3)
ORDER BY m.name, m.merchant_id
LIMIT $2
