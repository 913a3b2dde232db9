-- source_basis: one row per fact (basis_facts) for the whole warehouse, the basis of headline
-- figures: available when some source with records in the warehouse publishes it (source_facts).
-- publishing_sources lists those sources; not_available_en / _zh name the ones that do not.
-- reads: sources, basis_facts, source_facts
CREATE OR REPLACE TABLE source_basis AS
WITH facts AS (
    SELECT b.fact, b.label_en, b.label_zh, s.source_id, s.name, coalesce(f.published, false) AS published
    FROM sources s
    CROSS JOIN basis_facts b
    LEFT JOIN source_facts f ON f.source_id = s.source_id AND f.fact = b.fact
),
rolled AS (
    SELECT fact, label_en, label_zh, coalesce(bool_or(published), false) AS available,
           list(source_id ORDER BY source_id) FILTER (WHERE published) AS publishing_sources,
           string_agg(name, ', ' ORDER BY name) FILTER (WHERE NOT published) AS silent_names,
           count(*) FILTER (WHERE NOT published) AS silent_sources
    FROM facts GROUP BY ALL
)
SELECT fact, label_en, label_zh, available, coalesce(publishing_sources, []) AS publishing_sources,
       CASE WHEN NOT available THEN not_published_en(silent_names, silent_sources, label_en) END AS not_available_en,
       CASE WHEN NOT available THEN not_published_zh(silent_names, label_zh) END AS not_available_zh
FROM rolled
ORDER BY fact;
