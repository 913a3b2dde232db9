-- Stores with a stretch of their name as long as the query ($1) that is close to it (Jaro-Winkler
-- >= $2), best first. Only the first $4 characters of a name are compared (the load's bound on names,
-- NAME_MAX_CHARS; older warehouses may hold longer ones), and the stretches are cut from the name's
-- list of characters: substr() from each position would rescan the name each time, so a name cost
-- the square of its length (one 2 M-character name made a search run for minutes).
-- $5: a platform code to keep to, or NULL.
WITH names AS (
    SELECT merchant_id, entity_id, name, platform, closed_on,
        string_split(left(name_normalised, $4), '') AS chars
    FROM merchants
    WHERE $5::VARCHAR IS NULL OR platform = $5
),
scored AS (
    SELECT merchant_id, entity_id, name, platform, closed_on,
        list_max(list_transform(
            range(1, greatest(len(chars) - length($1) + 2, 2)),
            lambda i: jaro_winkler_similarity(array_to_string(chars[i:i + length($1) - 1], ''), $1)
        )) AS score
    FROM names
)
SELECT s.merchant_id, s.name, s.platform, e.name AS entity_name, s.closed_on, s.score
FROM scored s LEFT JOIN entities e ON e.entity_id = s.entity_id
WHERE s.score >= $2
ORDER BY s.score DESC, s.name, s.merchant_id
LIMIT $3
