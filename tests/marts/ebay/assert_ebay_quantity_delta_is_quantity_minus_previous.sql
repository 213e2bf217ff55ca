-- Assert that every listing's quantity_delta is its quantity minus its previous quantity (0 when none).
select
    ebay_store,
    item_id,
    quantity,
    previous_quantity,
    quantity_delta

from {{ ref('ebay') }}
where quantity_delta <> quantity - coalesce(previous_quantity, 0)
