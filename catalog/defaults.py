"""The well-known retailers and brands a fresh installation starts with (seeded by a data migration)."""

RETAILERS = [
    ("Amazon", "https://www.amazon.com"),
    ("Best Buy", "https://www.bestbuy.com"),
    ("Walmart", "https://www.walmart.com"),
    ("Target", "https://www.target.com"),
    ("Costco", "https://www.costco.com"),
    ("Apple Store", "https://www.apple.com/store"),
    ("IKEA", "https://www.ikea.com"),
    ("The Home Depot", "https://www.homedepot.com"),
    ("MediaMarkt", "https://www.mediamarkt.com"),
    ("eBay", "https://www.ebay.com"),
    ("B&H Photo", "https://www.bhphotovideo.com"),
    ("Newegg", "https://www.newegg.com"),
]

BRANDS = [
    ("Apple", "https://www.apple.com"),
    ("Samsung", "https://www.samsung.com"),
    ("Sony", "https://www.sony.com"),
    ("LG", "https://www.lg.com"),
    ("Bosch", "https://www.bosch.com"),
    ("Dyson", "https://www.dyson.com"),
    ("Lenovo", "https://www.lenovo.com"),
    ("Dell", "https://www.dell.com"),
    ("Canon", "https://www.canon.com"),
    ("Nintendo", "https://www.nintendo.com"),
    ("Philips", "https://www.philips.com"),
    ("Logitech", "https://www.logitech.com"),
]
