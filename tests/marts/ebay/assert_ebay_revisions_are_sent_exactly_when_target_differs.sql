-- Assert that a listing is sent exactly when its target differs from the quantity eBay holds (or that is unknown).
select
    ebay_store,
    item_id,
    target_quantity,
    ebay_quantity,
    must_send

from {{ ref('ebay_revisions') }}
where
    must_send <> coalesce(target_quantity <> ebay_quantity, true)
    or target_quantity is null
    or target_quantity < 0
