-- Reference scales: complaint categories, violation types, the ordinal sanction scale.
INSERT INTO complaint_categories VALUES
    ('quality',            'Product quality',            '商品质量'),
    ('not_as_described',   'Not as described',           '货不对板'),
    ('refund_refused',     'Refund refused',             '拒绝退款'),
    ('return_refused',     'Seven-day return refused',   '拒绝七天无理由退货'),
    ('delivery',           'Delivery',                   '物流配送'),
    ('false_promotion',    'False promotion',            '虚假促销'),
    ('counterfeit',        'Counterfeit',                '假冒伪劣'),
    ('service_attitude',   'Service attitude',           '服务态度'),
    ('other',              'Other',                      '其他');

INSERT INTO violation_types VALUES
    ('counterfeit',        'Counterfeit goods',                 '售假',             'counterfeit'),
    ('false_advertising',  'False advertising',                 '虚假宣传',         'not_as_described'),
    ('fake_orders',        'Fake orders / review manipulation', '虚假交易/刷单炒信', 'false_promotion'),
    ('refusing_returns',   'Refusing returns',                  '拒绝退换货',       'return_refused'),
    ('delivery_fraud',     'Delivery fraud',                    '物流欺诈',         'delivery'),
    ('price_fraud',        'Price fraud',                       '价格欺诈',         'false_promotion'),
    ('other',              'Other',                             '其他',             'other');

INSERT INTO sanction_scale VALUES
    ('warning',           1, 'Warning',                   '警告'),
    ('point_deduction',   2, 'Point deduction',           '扣分'),
    ('demotion',          3, 'Demotion / traffic limit',  '降权/限流'),
    ('listing_removal',   4, 'Listing removal',           '商品下架'),
    ('fine',              5, 'Fine',                      '罚款'),
    ('suspension',        6, 'Suspension',                '暂停经营'),
    ('closure',           7, 'Store closure',             '关店');
