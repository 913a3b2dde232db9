-- metric_parameters: one row per shared constant of the metric tables (_macros.sql), for readers
-- that must apply the same rule (the store page's "too few complaints" test reads min_records).
-- reads:
CREATE OR REPLACE TABLE metric_parameters AS
SELECT * FROM (VALUES
    ('z95', CAST(z95() AS DOUBLE), 'Standard normal quantile of the 95 % intervals'),
    ('z998', CAST(z998() AS DOUBLE), 'Standard normal quantile of the 99.8 % funnel limits'),
    ('min_records', CAST(min_records() AS DOUBLE), 'Fewer orders, complaints or penalties than this: too few to judge'),
    ('short_window_months', CAST(short_window_months() AS DOUBLE), 'Months of complaints, disputes and orders behind rates'),
    ('long_window_months', CAST(long_window_months() AS DOUBLE), 'Months of penalties and of what they are set against')
) parameters(name, value, description)
ORDER BY name;
