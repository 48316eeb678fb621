"""What the sample seller sells and where its buyers live.

Fixed lists, not random draws, so that a different seed changes the orders but not the shop. The
product names carry the quirks of real exports on purpose: a ``|`` and commas inside a name, a name
that starts with a double quote and does not end with one (Amazon never quotes fields, so a
quote-aware reader breaks on it), a trailing space, a non-ASCII letter, and for amazon.co.jp
characters that exist in cp932 but not in plain Shift_JIS (``①``, ``～``, ``｜``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["Product", "US_PRODUCTS", "JP_PRODUCTS", "US_PLACES", "CA_PLACES", "JP_PLACES",
           "BUYER_CANCEL_REASONS"]


@dataclass(frozen=True)
class Product:
    """One listing: SKU, ASIN, the name as Amazon prints it, price in marketplace currency."""

    sku: str
    name: str
    price: float
    weight: float = 1.0

    @property
    def asin(self) -> str:
        digest = hashlib.sha1(self.sku.encode()).hexdigest().upper()
        return "B0" + digest[:8]


US_PRODUCTS = (
    Product("NTK-TEAPOT-06", "Nambu Tekki Cast Iron Teapot 0.6L", 68.00, 6),
    Product("KTN-SAKE-SET", "Kutani Ware Sake Set ", 89.00, 2),
    Product("HRO-V60-02W", "Hario V60 Dripper 02 Ceramic White", 24.50, 8),
    Product("DRM-KAWAII-10", '"Kawaii" Daruma Doll 10cm, Red', 19.90, 4),
    Product("KYM-CHAWAN-01", "Kiyomizu Ware Matcha Bowl | Chawan, Celadon", 54.00, 3),
    Product("IMB-BATH-2P", "Imabari Towel Bath Towel, 2-Pack, Cloud White", 46.00, 5),
    Product("TKN-KYUSU-300", "Tokoname Ky\u016bsu Teapot 300ml", 39.00, 3),
    Product("SKM-SANTOKU-165", "Seki Magoroku Santoku Knife 165mm", 42.00, 5),
    Product("ART-BOWL-5", "Arita Porcelain Rice Bowl Set of 5", 58.00, 2),
    Product("FRS-WAVE-70", "Furoshiki Wrapping Cloth 70cm | Wave Pattern, Indigo", 18.50, 3),
    Product("ZJR-MUG-480", "Zojirushi Stainless Mug 480ml", 31.99, 7),
    Product("KWP-MAYO-2P", "Kewpie Mayonnaise 450g (Pack of 2)", 16.80, 6),
    Product("HRO-SKERTON", "Hario Skerton Pro Ceramic Coffee Mill", 49.00, 4),
    Product("TNG-FUJI", "Tenugui Hand Towel Mt. Fuji", 12.50, 4),
    Product("ORG-SHINY-100", "Shiny Origami Paper 15cm 100 Sheets", 9.99, 5),
    Product("PLT-KAKUNO-F", "Pilot Kakuno Fountain Pen Fine", 14.00, 6),
    Product("UNI-JS3-05", "Uni Jetstream 3-Color Ballpoint 0.5mm", 8.50, 6),
    Product("MCH-CHASEN-100", "Bamboo Matcha Whisk (Chasen) 100 Prong", 17.00, 5),
    Product("HNK-STOOL", "Japanese Hinoki Bath Stool", 79.00, 1),
    Product("CHP-KTB-5P", "Kotobuki Chopsticks Set of 5 Pairs", 22.00, 4),
    Product("TSB-RAMEN-BOWL", "Tsubame Sanjo Stainless Ramen Bowl", 27.00, 3),
    Product("MNO-NOODLE-18", "Mino Ware Noodle Bowl 18cm", 21.00, 3),
    Product("BNT-2TIER-NV", "Bento Box 2-Tier 600ml, Navy", 19.00, 6),
    Product("NKD-INC-SANDAL", "Nippon Kodo Incense Sticks, Sandalwood", 13.50, 4),
    Product("SUM-CALLI-SET", "Sumi Ink Calligraphy Set", 29.00, 2),
    Product("KKS-DOLL-15", "Kokeshi Doll 15cm", 34.00, 2),
    Product("MNK-NEKO-12W", "Maneki Neko Lucky Cat 12cm White", 23.00, 4),
    Product("NRN-SAKURA-85", "Noren Curtain 85x150cm Sakura", 36.00, 2),
    Product("YMZ-SPICE-BK", "Yamazaki Tower Spice Rack Black", 44.00, 3),
    Product("HKT-LUNCH", "Sanrio Hello Kitty Lunch Box (Japan Import)", 18.00, 4),
    Product("IWC-TRIVET-R", "Iwachu Cast Iron Trivet Round", 26.00, 2),
    Product("KNT-CARAFE-600", "Kinto Slow Coffee Style Carafe 600ml", 38.00, 3),
    Product("SHN-NAKIRI-65", "Shun Nakiri Knife 6.5 in", 129.00, 1),
    Product("HSM-MUG-GRY", "Hasami Porcelain Mug Gloss Grey", 28.00, 3),
    Product("TMG-COPPER-PAN", "Tamagoyaki Copper Omelette Pan", 64.00, 2),
    Product("GYK-TEA-100", "Gyokuro Green Tea Leaves 100g", 32.00, 4),
)

JP_PRODUCTS = (
    Product("JP-NTK-06", "南部鉄器 急須 0.6L", 8800, 4),
    Product("JP-KTN-GUI", "九谷焼 徳利 ぐい呑み セット", 12000, 2),
    Product("JP-HRO-V60", "ハリオ V60 透過ドリッパー 02 セラミック", 2200, 5),
    Product("JP-IMB-2P", "今治タオル バスタオル 2枚組", 5500, 4),
    Product("JP-ART-SKR", "有田焼 茶碗 ① 桜", 3300, 3),
    Product("JP-DRM-10", "だるま 置物 10cm ～開運～", 1980, 3),
    Product("JP-SKM-165", "関孫六 三徳包丁 165mm", 4980, 3),
    Product("JP-FRS-70", "風呂敷 70cm 青海波｜藍", 2750, 2),
    Product("JP-MCH-100", "抹茶 茶筅 百本立", 3850, 2),
    Product("JP-TKN-300", "常滑焼 急須 300ml ", 6600, 2),
)

US_PLACES = (
    ("SEATTLE", "WA", "98109"), ("PORTLAND", "OR", "97205"), ("SAN JOSE", "CA", "95113"),
    ("Los Angeles", "CA", "90012"), ("San Diego", "CA", "92101"), ("DENVER", "CO", "80202"),
    ("Austin", "TX", "78701-2205"), ("HOUSTON", "TX", "77002"), ("Chicago", "IL", "60601"),
    ("MINNEAPOLIS", "MN", "55401"), ("Brooklyn", "NY", "11201"), ("NEW YORK", "NY", "10001-4002"),
    ("Boston", "MA", "02108"), ("PHILADELPHIA", "PA", "19103"), ("Atlanta", "GA", "30303"),
    ("MIAMI", "FL", "33130"), ("Orlando", "Florida", "32801"), ("HONOLULU", "HI", "96813"),
    ("Phoenix", "AZ", "85004"), ("ANCHORAGE", "AK", "99501"),
)
CA_PLACES = (
    ("TORONTO", "ON", "M5V 3L9"), ("Vancouver", "BC", "V6B 1A1"), ("MONTREAL", "QC", "H3B 2Y5"),
    ("Calgary", "AB", "T2P 2M5"), ("OTTAWA", "ON", "K1P 5G4"),
)
JP_PLACES = (
    ("渋谷区", "東京都", "150-0002"), ("大阪市北区", "大阪府", "530-0001"),
    ("札幌市中央区", "北海道", "060-0001"), ("福岡市博多区", "福岡県", "812-0011"),
    ("名古屋市中区", "愛知県", "460-0008"), ("横浜市西区", "神奈川県", "220-0012"),
)

BUYER_CANCEL_REASONS = (
    "Order Created By Mistake",
    "Item(s) Would Not Arrive On Time",
    "Found Cheaper Somewhere Else",
    "Shipping Cost Too High",
    "Other",
)
