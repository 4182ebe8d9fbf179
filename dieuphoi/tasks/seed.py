"""Sectors (domain.md §8) and the demo tasks of the Hanoi team.

Public names:

- ``seed_sectors() -> dict[key, Sector]``: the 16 sectors (idempotent).
- ``seed_demo_tasks(today=None) -> DemoResult``: a few dozen tasks spread
  over every bucket relative to ``today``, written through the services
  (so each has its audit timeline), with progress updates, co-operating
  parts, key tasks, an approved extension, an extension request awaiting the
  leader, a reopened task, a cancelled one.
  Idempotent: a task is found by (body, title) and then left alone.
- ``seed_all(today=None)``: both; ``manage.py seed_demo`` calls it after the
  registry (``dieuphoi.org.seed``), whose Hanoi team, agencies (2025 codes)
  and demo accounts it needs.

Focal points exist in the registry seed for SXD, SNNMT (members) and STC
(the specialist); this module adds demo focal points for SQHKT, SKHCN, SCT
and BQLCNC so those agencies can report. Tasks of other lead agencies stay
without updates (new, or overdue and never updated, as happens).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from dieuphoi.core.models import local_today
from dieuphoi.org.models import AdministrativeUnit, Agency, Body, Membership

from . import services
from .extensions import services as extension_services
from .models import Sector, Task

SECTORS = [
    ("quy-hoach", "Quy hoạch"),
    ("giao-thong", "Giao thông và hạ tầng kết nối vùng"),
    ("dau-tu", "Đầu tư, doanh nghiệp"),
    ("tai-chinh", "Tài chính, ngân sách, cơ chế đặc thù"),
    ("cong-nghiep", "Công nghiệp, khu công nghiệp, logistics, thương mại"),
    ("nong-nghiep", "Nông nghiệp, nông thôn"),
    ("tai-nguyen-moi-truong", "Tài nguyên, môi trường, đất đai"),
    ("thuy-loi", "Thủy lợi, phòng chống thiên tai"),
    ("khoa-hoc-cong-nghe", "Khoa học công nghệ, chuyển đổi số"),
    ("y-te", "Y tế"),
    ("giao-duc", "Giáo dục, nhân lực"),
    ("lao-dong", "Lao động, an sinh xã hội"),
    ("van-hoa-du-lich", "Văn hóa, thể thao, du lịch"),
    ("quoc-phong-an-ninh", "Quốc phòng, an ninh"),
    ("doi-ngoai", "Đối ngoại"),
    ("noi-vu", "Nội vụ, cải cách hành chính"),
]

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"
SECRETARIAT_USERNAME = "thuky"
LEADER_USERNAME = "truongto"
# Demo focal points added here: username, agency code, name, position.
EXTRA_FOCAL_POINTS = [
    (
        "daumoi.sqhkt",
        "SQHKT",
        "Bùi Thanh Tùng",
        "Phó Trưởng phòng Quy hoạch, Sở Quy hoạch - Kiến trúc",
    ),
    (
        "daumoi.skhcn",
        "SKHCN",
        "Đinh Thị Ngọc",
        "Trưởng phòng Chuyển đổi số, Sở Khoa học và Công nghệ",
    ),
    (
        "daumoi.sct",
        "SCT",
        "Lương Văn Khải",
        "Phó Trưởng phòng Thương mại, Sở Công Thương",
    ),
    (
        "daumoi.bqlcnc",
        "BQLCNC",
        "Trịnh Minh Châu",
        "Chánh Văn phòng Ban quản lý Khu công nghệ cao và Khu công nghiệp",
    ),
]


def seed_sectors() -> dict[str, Sector]:
    out = {}
    for position, (key, name) in enumerate(SECTORS, start=1):
        sector, _ = Sector.objects.update_or_create(
            key=key, defaults={"name": name, "position": position}
        )
        out[key] = sector
    return out


# --- the demo tasks -----------------------------------------------------------------
#
# Each item: title, lead agency code, co-operating [(code, part)], sector key,
# province keys, key flag, assigned (days before today), deadline (days from
# today; negative = past; None = no deadline), recurrence, and the history:
#   ("p", days_ago, percent, text[, reason])   lead's progress update
#   ("c", code, days_ago, percent, text)       co-operating agency's update
#   ("start",)                                 lead starts the task
#   ("done", days_ago, text)                   lead reports done on that day
#   ("confirm",)                               secretariat confirms
#   ("reopen", reason)                         secretariat returns it
#   ("cancel", reason)                         secretariat cancels
#   ("extend", days_from_today, reason)        leader changes the deadline
#   ("ext", days_from_today, reason[, decision])
#                                              lead requests an extension; the
#                                              leader decides (approve, refuse)
#                                              or it stays pending
# The comment after each title says which bucket it lands in on ``today``.

VD4 = "Dự án đầu tư xây dựng Đường Vành đai 4 - Vùng Thủ đô"
KL2 = "Kết luận của Tổ trưởng tại phiên họp thường kỳ quý của Tổ điều phối"
HDDP = "Thông báo kết luận Hội nghị Hội đồng điều phối Vùng Thủ đô"

DEMO_TASKS = [
    {  # overdue, key
        "title": "Đẩy nhanh giải phóng mặt bằng dự án Đường Vành đai 4 - Vùng Thủ đô đoạn qua Hà Nội, bàn giao mặt bằng sạch cho các gói thầu xây lắp",
        "lead": "SXD",
        "coop": [
            ("SNNMT", "Thu hồi đất, xác định giá đất cụ thể, bố trí tái định cư"),
            ("STC", "Bố trí vốn bồi thường, hỗ trợ"),
        ],
        "sector": "giao-thong",
        "provinces": ["ha-noi", "hung-yen", "bac-ninh"],
        "key": True,
        "assigned": 240,
        "deadline": -21,
        "source": VD4,
        "history": [
            (
                "p",
                200,
                35,
                "Đã kiểm đếm 35% diện tích; còn vướng 126 hộ chưa đồng thuận phương án bồi thường.",
            ),
            (
                "c",
                "SNNMT",
                150,
                50,
                "Đã ban hành quyết định giá đất cụ thể tại 5/7 huyện.",
            ),
            (
                "p",
                90,
                62,
                "Bàn giao 62% mặt bằng; đang cưỡng chế thu hồi đất tại xã Hồng Vân, Thường Tín.",
            ),
            (
                "p",
                12,
                81,
                "Bàn giao 81% mặt bằng; còn vướng đường điện 220kV cần di dời.",
            ),
        ],
    },
    {  # completed on time
        "title": "Thống nhất với tỉnh Hưng Yên, tỉnh Bắc Ninh phương án đấu nối các nút giao liên tỉnh trên tuyến Vành đai 4",
        "lead": "SXD",
        "coop": [("SQHKT", "Rà soát quy hoạch khu vực nút giao")],
        "sector": "giao-thong",
        "provinces": ["hung-yen", "bac-ninh"],
        "assigned": 200,
        "deadline": -60,
        "source": VD4,
        "history": [
            ("p", 170, 40, "Đã họp với Sở Xây dựng hai tỉnh, thống nhất 4/7 nút giao."),
            ("c", "SQHKT", 140, 100, "Đã có ý kiến về quy hoạch các nút giao."),
            ("done", 75, "Đã ký biên bản thống nhất 7/7 nút giao với hai tỉnh."),
            ("confirm",),
        ],
    },
    {  # in progress within deadline, at risk, key
        "title": "Xây dựng kế hoạch liên ngành xử lý ô nhiễm nước lưu vực sông Nhuệ - sông Đáy giai đoạn 2026-2030",
        "lead": "SNNMT",
        "coop": [
            ("SXD", "Hệ thống thu gom, xử lý nước thải đô thị"),
            ("SKHCN", "Hệ thống quan trắc tự động"),
        ],
        "sector": "tai-nguyen-moi-truong",
        "provinces": ["ha-noi", "ninh-binh"],
        "key": True,
        "assigned": 150,
        "deadline": 20,
        "source": HDDP,
        "history": [
            (
                "p",
                120,
                10,
                "Đã thành lập tổ biên tập, thu thập số liệu quan trắc 2020-2025.",
            ),
            ("c", "SKHCN", 60, 30, "Đề xuất vị trí 12 trạm quan trắc tự động."),
            (
                "p",
                30,
                25,
                "Đang tổng hợp ý kiến các tỉnh Hà Nam (cũ), Nam Định (cũ); chậm do chờ số liệu.",
            ),
        ],
    },
    {  # within deadline (recurring, no deadline)
        "title": "Tổng hợp kết quả quan trắc chất lượng nước sông Nhuệ, sông Đáy hằng quý, gửi Văn phòng Hội đồng điều phối",
        "lead": "SNNMT",
        "sector": "tai-nguyen-moi-truong",
        "provinces": ["ha-noi", "ninh-binh"],
        "assigned": 300,
        "deadline": None,
        "recurrence": "quarterly",
        "history": [
            ("p", 240, 25, "Đã gửi kết quả quan trắc quý I."),
            ("p", 150, 50, "Đã gửi kết quả quan trắc quý II."),
            ("p", 60, 75, "Đã gửi kết quả quan trắc quý III."),
        ],
    },
    {  # within deadline, due soon, key
        "title": "Rà soát, đề xuất danh mục dự án giao thông kết nối vùng ưu tiên đầu tư giai đoạn 2026-2030 (cao tốc, đường sắt đô thị, đường sắt quốc gia)",
        "lead": "SXD",
        "coop": [("STC", "Khả năng cân đối vốn"), ("SQHKT", "Sự phù hợp quy hoạch")],
        "sector": "giao-thong",
        "provinces": ["ha-noi", "phu-tho", "thai-nguyen", "bac-ninh"],
        "key": True,
        "assigned": 70,
        "deadline": 3,
        "source": HDDP,
        "history": [
            ("p", 50, 45, "Đã lập danh mục sơ bộ 18 dự án."),
            ("p", 10, 80, "Đã hoàn thiện dự thảo, đang xin ý kiến Sở Tài chính."),
        ],
    },
    {  # completed late
        "title": "Góp ý dự thảo điều chỉnh Quy hoạch Vùng Thủ đô thời kỳ 2021-2030, tầm nhìn đến năm 2050 theo đề nghị của Bộ Tài chính",
        "lead": "SQHKT",
        "coop": [("STC", "Nội dung kinh tế - xã hội"), ("SXD", "Hạ tầng giao thông")],
        "sector": "quy-hoach",
        "provinces": [
            "ha-noi",
            "phu-tho",
            "bac-ninh",
            "hung-yen",
            "hai-phong",
            "ninh-binh",
            "thai-nguyen",
        ],
        "key": True,
        "assigned": 180,
        "deadline": -120,
        "source": "Công văn của Bộ Tài chính đề nghị góp ý dự thảo điều chỉnh Quy hoạch Vùng Thủ đô",
        "history": [
            ("p", 150, 60, "Đã tổng hợp ý kiến của 9 sở, ngành."),
            ("done", 105, "Đã gửi văn bản góp ý của UBND Thành phố tới Bộ Tài chính."),
            ("confirm",),
        ],
    },
    {  # within deadline
        "title": "Cập nhật nội dung liên kết vùng trong Quy hoạch chung Thủ đô Hà Nội đến năm 2045, tầm nhìn đến năm 2065",
        "lead": "SQHKT",
        "sector": "quy-hoach",
        "provinces": ["ha-noi"],
        "assigned": 90,
        "deadline": 75,
        "source": KL2,
        "history": [
            (
                "p",
                40,
                40,
                "Đã rà soát các hành lang kinh tế, đô thị vệ tinh có tính liên vùng.",
            )
        ],
    },
    {  # overdue, key
        "title": "Đề xuất cơ chế thu hút nhà đầu tư chiến lược vào Khu công nghệ cao Hòa Lạc",
        "lead": "BQLCNC",
        "coop": [
            ("SKHCN", "Chính sách ưu đãi khoa học công nghệ"),
            ("STC", "Ưu đãi tài chính, đất đai"),
        ],
        "sector": "khoa-hoc-cong-nghe",
        "provinces": ["ha-noi"],
        "key": True,
        "assigned": 160,
        "deadline": -8,
        "source": KL2,
        "history": [
            ("p", 120, 30, "Đã làm việc với 6 tập đoàn công nghệ về nhu cầu đầu tư."),
            ("p", 20, 70, "Dự thảo tờ trình đang xin ý kiến Sở Tư pháp."),
        ],
    },
    {  # reported done, awaiting confirmation (within deadline)
        "title": "Báo cáo tình hình triển khai các dự án trong Khu công nghệ cao Hòa Lạc, đề xuất tháo gỡ vướng mắc về đất đai, hạ tầng",
        "lead": "BQLCNC",
        "coop": [("SNNMT", "Vướng mắc về đất đai")],
        "sector": "cong-nghiep",
        "provinces": ["ha-noi"],
        "assigned": 60,
        "deadline": 10,
        "history": [
            ("p", 30, 60, "Đã tổng hợp tình hình 98 dự án."),
            ("done", 2, "Đã gửi báo cáo số liệu đến hết tháng trước."),
        ],
    },
    {  # completed on time
        "title": "Xây dựng phương án phòng, chống lũ liên tỉnh trên sông Hồng, sông Đuống; rà soát hệ thống đê điều đoạn giáp ranh",
        "lead": "SNNMT",
        "coop": [("SXD", "Công trình giao thông kết hợp đê")],
        "sector": "thuy-loi",
        "provinces": ["ha-noi", "hung-yen", "bac-ninh"],
        "key": True,
        "assigned": 230,
        "deadline": -150,
        "history": [
            ("p", 210, 50, "Đã kiểm tra 38 km đê giáp ranh."),
            (
                "done",
                160,
                "Phương án đã được UBND Thành phố phê duyệt trước mùa mưa lũ.",
            ),
            ("confirm",),
        ],
    },
    {  # completed on time
        "title": "Kiểm tra, đánh giá an toàn các hồ chứa, công trình thủy lợi liên tỉnh trước mùa mưa lũ",
        "lead": "SNNMT",
        "sector": "thuy-loi",
        "provinces": ["ha-noi", "phu-tho"],
        "assigned": 210,
        "deadline": -170,
        "history": [
            ("p", 195, 70, "Đã kiểm tra 21/30 hồ chứa."),
            (
                "done",
                175,
                "Hoàn thành kiểm tra 30 hồ chứa; 3 hồ cần sửa chữa khẩn cấp.",
            ),
            ("confirm",),
        ],
    },
    {  # within deadline
        "title": "Xây dựng cơ sở dữ liệu dùng chung về quy hoạch, đất đai, dự án đầu tư của các địa phương Vùng Thủ đô",
        "lead": "SKHCN",
        "coop": [("SNNMT", "Dữ liệu đất đai"), ("SQHKT", "Dữ liệu quy hoạch")],
        "sector": "khoa-hoc-cong-nghe",
        "provinces": [
            "ha-noi",
            "phu-tho",
            "bac-ninh",
            "hung-yen",
            "hai-phong",
            "ninh-binh",
            "thai-nguyen",
        ],
        "assigned": 120,
        "deadline": 120,
        "history": [
            ("p", 90, 15, "Đã thống nhất khung dữ liệu với các tỉnh."),
            ("c", "SQHKT", 45, 40, "Đã chuyển dữ liệu 12 đồ án quy hoạch."),
            ("p", 20, 35, "Đang xây dựng giao diện kết nối."),
        ],
    },
    {  # new, within deadline
        "title": "Kết nối hệ thống theo dõi nhiệm vụ của Tổ điều phối với Nền tảng tích hợp, chia sẻ dữ liệu (LGSP) của Thành phố",
        "lead": "SKHCN",
        "sector": "khoa-hoc-cong-nghe",
        "provinces": ["ha-noi"],
        "assigned": 4,
        "deadline": 56,
        "source": KL2,
        "history": [],
    },
    {  # within deadline, due soon, key
        "title": "Đề xuất cơ chế tài chính đặc thù huy động vốn cho các dự án liên kết vùng theo Luật Thủ đô năm 2024",
        "lead": "STC",
        "coop": [("SXD", "Danh mục dự án áp dụng")],
        "sector": "tai-chinh",
        "provinces": ["ha-noi"],
        "key": True,
        "assigned": 100,
        "deadline": 5,
        "source": HDDP,
        "history": [
            ("p", 70, 40, "Đã nghiên cứu kinh nghiệm TP. Hồ Chí Minh, Đà Nẵng."),
            ("p", 15, 75, "Dự thảo đề xuất đã gửi xin ý kiến Sở Tư pháp."),
        ],
    },
    {  # completed late
        "title": "Tổng hợp báo cáo 6 tháng đầu năm về kết quả thực hiện nhiệm vụ liên kết vùng gửi UBND Thành phố",
        "lead": "STC",
        "sector": "noi-vu",
        "provinces": ["ha-noi"],
        "assigned": 170,
        "deadline": -150,
        "history": [
            ("p", 160, 50, "Đã nhận báo cáo của 12/18 sở, ngành."),
            ("done", 140, "Đã trình báo cáo 6 tháng; chậm do chờ số liệu của 3 sở."),
            ("confirm",),
        ],
    },
    {  # within deadline
        "title": "Xây dựng chương trình xúc tiến đầu tư chung của các địa phương Vùng Thủ đô năm 2027",
        "lead": "STC",
        "coop": [("SCT", "Xúc tiến thương mại"), ("SDL", "Quảng bá du lịch")],
        "sector": "dau-tu",
        "provinces": ["ha-noi", "bac-ninh", "hung-yen", "phu-tho"],
        "assigned": 45,
        "deadline": 60,
        "history": [("p", 20, 30, "Đã thống nhất khung chương trình với các tỉnh.")],
    },
    {  # overdue
        "title": "Đề xuất phát triển mạng lưới trung tâm logistics vùng gắn với Vành đai 4 và các cảng cạn",
        "lead": "SCT",
        "coop": [("SXD", "Kết nối giao thông")],
        "sector": "cong-nghiep",
        "provinces": ["ha-noi", "hung-yen", "bac-ninh"],
        "assigned": 130,
        "deadline": -30,
        "source": VD4,
        "history": [("p", 80, 45, "Đã khảo sát 9 vị trí dự kiến.")],
    },
    {  # completed on time
        "title": "Phối hợp các tỉnh tổ chức kết nối cung cầu nông sản, bảo đảm nguồn cung thực phẩm cho Thủ đô dịp Tết Nguyên đán",
        "lead": "SCT",
        "coop": [("SNNMT", "Nguồn cung nông sản an toàn")],
        "sector": "cong-nghiep",
        "provinces": ["ha-noi", "phu-tho", "hung-yen", "bac-ninh", "thai-nguyen"],
        "assigned": 330,
        "deadline": -290,
        "history": [
            (
                "c",
                "SNNMT",
                300,
                100,
                "Đã cung cấp danh sách 120 chuỗi cung ứng an toàn.",
            ),
            ("done", 300, "Đã tổ chức hội nghị kết nối cung cầu với 7 tỉnh."),
            ("confirm",),
        ],
    },
    {  # cancelled
        "title": "Xây dựng chuỗi liên kết sản xuất, tiêu thụ rau an toàn giữa Hà Nội và các tỉnh Phú Thọ, Hưng Yên",
        "lead": "SNNMT",
        "sector": "nong-nghiep",
        "provinces": ["phu-tho", "hung-yen"],
        "assigned": 140,
        "deadline": -10,
        "history": [
            ("p", 100, 20, "Đã làm việc với 2 hợp tác xã."),
            (
                "cancel",
                "Đã lồng ghép vào chương trình kết nối cung cầu nông sản của Sở Công Thương.",
            ),
        ],
    },
    {  # new, within deadline
        "title": "Nghiên cứu phương án di dời các cơ sở giáo dục đại học ra khỏi khu vực nội đô, gắn với phát triển đô thị vệ tinh",
        "lead": "SGDĐT",
        "coop": [("SQHKT", "Quỹ đất, quy hoạch")],
        "sector": "giao-duc",
        "provinces": ["ha-noi"],
        "assigned": 3,
        "deadline": 90,
        "history": [],
    },
    {  # overdue, never updated
        "title": "Phối hợp xây dựng mạng lưới bệnh viện vệ tinh, giảm tải cho các bệnh viện tuyến cuối của Hà Nội",
        "lead": "SYT",
        "sector": "y-te",
        "provinces": ["ha-noi", "phu-tho", "ninh-binh"],
        "assigned": 110,
        "deadline": -15,
        "history": [],
    },
    {  # within deadline, new
        "title": "Xây dựng các tour, tuyến du lịch liên kết Hà Nội - Ninh Bình - Phú Thọ",
        "lead": "SDL",
        "sector": "van-hoa-du-lich",
        "provinces": ["ha-noi", "ninh-binh", "phu-tho"],
        "assigned": 25,
        "deadline": 65,
        "history": [],
    },
    {  # within deadline, new
        "title": "Rà soát thủ tục hành chính liên thông giữa các địa phương đối với dự án đầu tư liên tỉnh",
        "lead": "SNV",
        "coop": [("STP", "Tính pháp lý của quy trình liên thông")],
        "sector": "noi-vu",
        "provinces": ["ha-noi", "bac-ninh", "hung-yen"],
        "assigned": 15,
        "deadline": 45,
        "history": [],
    },
    {  # within deadline after an extension
        "title": "Đề xuất đầu tư tuyến đường sắt đô thị kết nối Hà Nội - Hòa Lạc - Xuân Mai",
        "lead": "SXD",
        "coop": [("SQHKT", "Hướng tuyến, quỹ đất TOD"), ("STC", "Phương án vốn")],
        "sector": "giao-thong",
        "provinces": ["ha-noi"],
        "key": True,
        "assigned": 150,
        "deadline": -5,
        "history": [
            ("p", 110, 30, "Đã lựa chọn tư vấn lập báo cáo nghiên cứu tiền khả thi."),
            ("p", 25, 60, "Đang lấy ý kiến các bộ về hướng tuyến."),
            (
                "ext",
                40,
                "Chờ ý kiến thống nhất của Bộ Xây dựng về hướng tuyến qua Khu công nghệ cao Hòa Lạc.",
                "approve",
            ),
        ],
    },
    {  # overdue, key
        "title": "Xử lý dứt điểm tình trạng xả thải chưa qua xử lý ra sông Nhuệ từ các làng nghề",
        "lead": "SNNMT",
        "coop": [("SCT", "Di dời cơ sở sản xuất ra cụm công nghiệp")],
        "sector": "tai-nguyen-moi-truong",
        "provinces": ["ha-noi"],
        "key": True,
        "assigned": 260,
        "deadline": -45,
        "history": [
            ("p", 200, 20, "Đã kiểm tra 42 cơ sở, xử phạt 11 cơ sở."),
            ("c", "SCT", 120, 30, "Đã bố trí quỹ đất tại 2 cụm công nghiệp làng nghề."),
            ("p", 50, 45, "Đang lắp đặt hệ thống xử lý tập trung tại 3 làng nghề."),
            (
                "ext",
                60,
                "Hệ thống xử lý nước thải tập trung tại 3 làng nghề đang chạy thử; "
                "cần thêm 2 tháng để nghiệm thu và đánh giá chất lượng nước xả thải.",
            ),
        ],
    },
    {  # within deadline (recurring)
        "title": "Báo cáo tiến độ giải phóng mặt bằng dự án Vành đai 4 - Vùng Thủ đô hằng tháng",
        "lead": "SXD",
        "sector": "giao-thong",
        "provinces": ["ha-noi"],
        "assigned": 280,
        "deadline": None,
        "recurrence": "monthly",
        "source": VD4,
        "history": [
            ("p", 250, 10, "Báo cáo tháng: bàn giao 20% mặt bằng."),
            ("p", 190, 30, "Báo cáo tháng: bàn giao 45% mặt bằng."),
            ("p", 130, 50, "Báo cáo tháng: bàn giao 60% mặt bằng."),
            ("p", 70, 70, "Báo cáo tháng: bàn giao 75% mặt bằng."),
            ("p", 8, 80, "Báo cáo tháng: bàn giao 81% mặt bằng."),
        ],
    },
    {  # completed on time
        "title": "Góp ý Đề án phát triển các đô thị vệ tinh Sóc Sơn, Hòa Lạc, Xuân Mai, Phú Xuyên, Sơn Tây gắn với liên kết vùng",
        "lead": "SQHKT",
        "sector": "quy-hoach",
        "provinces": ["ha-noi"],
        "assigned": 100,
        "deadline": -20,
        "history": [
            ("p", 70, 50, "Đã tổng hợp ý kiến các sở."),
            ("done", 35, "Đã gửi văn bản góp ý."),
            ("confirm",),
        ],
    },
    {  # completed late
        "title": "Chuẩn bị nội dung phần việc của TP. Hà Nội cho Hội nghị Hội đồng điều phối Vùng Thủ đô",
        "lead": "STC",
        "coop": [("SQHKT", "Báo cáo quy hoạch"), ("SXD", "Báo cáo giao thông kết nối")],
        "sector": "quy-hoach",
        "provinces": ["ha-noi"],
        "key": True,
        "assigned": 90,
        "deadline": -50,
        "history": [
            ("p", 70, 60, "Đã có dự thảo báo cáo tham luận."),
            ("done", 47, "Đã gửi tài liệu Hội nghị; chậm 3 ngày so với yêu cầu."),
            ("confirm",),
        ],
    },
    {  # overdue, reported done (awaiting confirmation)
        "title": "Đề xuất giải pháp bảo đảm an ninh trật tự tại các khu vực giáp ranh thực hiện dự án Vành đai 4",
        "lead": "SXD",
        "coop": [("CATP", "An ninh trật tự khu vực giải phóng mặt bằng")],
        "sector": "quoc-phong-an-ninh",
        "provinces": ["ha-noi", "hung-yen"],
        "assigned": 80,
        "deadline": -3,
        "source": VD4,
        "history": [
            ("p", 40, 50, "Đã phối hợp Công an Thành phố khảo sát 5 điểm nóng."),
            ("done", 1, "Đã gửi báo cáo đề xuất."),
        ],
    },
    {  # within deadline, at risk
        "title": "Phối hợp tỉnh Thái Nguyên, tỉnh Bắc Ninh triển khai hành lang kinh tế Hà Nội - Thái Nguyên, phát triển khu công nghiệp công nghệ cao",
        "lead": "BQLCNC",
        "coop": [("SCT", "Chuỗi cung ứng công nghiệp hỗ trợ")],
        "sector": "cong-nghiep",
        "provinces": ["ha-noi", "thai-nguyen", "bac-ninh"],
        "assigned": 120,
        "deadline": 15,
        "history": [
            ("p", 90, 15, "Đã làm việc với Ban quản lý các KCN tỉnh Thái Nguyên.")
        ],
    },
    {  # reopened, within deadline
        "title": "Rà soát hiện trạng ô nhiễm không khí liên vùng (đốt rơm rạ, khí thải công nghiệp) và đề xuất kế hoạch hành động chung",
        "lead": "SNNMT",
        "coop": [("SKHCN", "Dữ liệu cảm biến chất lượng không khí")],
        "sector": "tai-nguyen-moi-truong",
        "provinces": ["ha-noi", "bac-ninh", "hung-yen", "hai-phong"],
        "assigned": 75,
        "deadline": 30,
        "history": [
            ("p", 50, 70, "Đã có dự thảo báo cáo hiện trạng."),
            ("done", 12, "Đã hoàn thành báo cáo hiện trạng và dự thảo kế hoạch."),
            (
                "reopen",
                "Dự thảo kế hoạch chưa có phân công cụ thể cho từng tỉnh; đề nghị bổ sung.",
            ),
            (
                "p",
                5,
                85,
                "Đang bổ sung phân công nhiệm vụ cho từng địa phương.",
                "Bổ sung theo yêu cầu của Tổ thư ký",
            ),
        ],
    },
    {  # completed on time
        "title": "Tổng hợp kiến nghị của các sở, ngành về vướng mắc trong triển khai dự án liên kết vùng, báo cáo Tổ trưởng",
        "lead": "STC",
        "sector": "dau-tu",
        "provinces": ["ha-noi"],
        "assigned": 40,
        "deadline": -5,
        "source": KL2,
        "history": [
            ("p", 25, 50, "Đã nhận kiến nghị của 10 sở."),
            ("done", 7, "Đã tổng hợp 23 kiến nghị, báo cáo Tổ trưởng."),
            ("confirm",),
        ],
    },
    {  # within deadline, in progress
        "title": "Phối hợp TP. Hải Phòng nghiên cứu kết nối Hà Nội với cảng biển Lạch Huyện bằng đường sắt và đường thủy nội địa",
        "lead": "SXD",
        "coop": [("SCT", "Nhu cầu vận tải hàng hóa")],
        "sector": "giao-thong",
        "provinces": ["ha-noi", "hai-phong", "hung-yen"],
        "assigned": 50,
        "deadline": 100,
        "history": [
            ("start",),
            ("p", 14, 20, "Đã làm việc với Sở Xây dựng TP. Hải Phòng."),
        ],
    },
]


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)
    existing: int = 0
    skipped: list[str] = field(default_factory=list)
    focal_points: list[str] = field(default_factory=list)


def _days(today: datetime.date, n: int) -> datetime.date:
    return today - datetime.timedelta(days=n)


def _agency(code: str, on: datetime.date) -> Agency | None:
    return Agency.objects.as_of(on).filter(code=code).first()


def _focal_points(
    team: Body, today: datetime.date, result: DemoResult
) -> dict[str, object]:
    """``{agency code: user}`` of the team's focal points (member/specialist)."""
    from dieuphoi.org.seed import DEMO_PASSWORD

    User = get_user_model()
    for username, code, name, position in EXTRA_FOCAL_POINTS:
        agency = _agency(code, today)
        if agency is None:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=name,
                position=position,
                agency=agency,
                email=f"{username}@dieuphoi.example.vn",
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            result.focal_points.append(username)
        Membership.objects.get_or_create(
            person=user,
            body=team,
            role=Membership.Role.MEMBER,
            valid_from=max(team.valid_from, agency.valid_from),
            defaults={"agency": agency, "position": position},
        )
    focal: dict[str, object] = {}
    for m in (
        Membership.objects.as_of(today)
        .filter(
            body=team, role__in=[Membership.Role.MEMBER, Membership.Role.SPECIALIST]
        )
        .select_related("person", "agency")
        .order_by("role", "id")
    ):
        if m.agency is not None:
            focal.setdefault(m.agency.code, m.person)
    return focal


def _play(task: Task, history, *, focal, secretariat, leader, today) -> Task:
    lead_user = focal.get(task.lead_agency.code)
    for step in history:
        kind = step[0]
        task.refresh_from_db()
        if kind == "p":
            _, ago, percent, text, *rest = step
            services.progress_report(
                actor=lead_user,
                task=task,
                percent=percent,
                text=text,
                reported_on=_days(today, ago),
                reason=rest[0] if rest else "",
            )
        elif kind == "c":
            _, code, ago, percent, text = step
            part = task.parts.get(agency__code=code)
            services.progress_report(
                actor=focal[code],
                task=task,
                percent=percent,
                text=text,
                reported_on=_days(today, ago),
                part=part,
            )
        elif kind == "start":
            services.task_transition(actor=lead_user, task=task, action="start")
        elif kind == "done":
            _, ago, text = step
            services.task_transition(
                actor=lead_user,
                task=task,
                action="report_done",
                reason=text,
                reported_on=_days(today, ago),
            )
        elif kind == "confirm":
            services.task_transition(actor=secretariat, task=task, action="confirm")
        elif kind in ("reopen", "cancel"):
            services.task_transition(
                actor=secretariat, task=task, action=kind, reason=step[1]
            )
        elif kind == "extend":
            _, ahead, reason = step
            services.task_transition(
                actor=leader,
                task=task,
                action="change_deadline",
                reason=reason,
                new_deadline=today + datetime.timedelta(days=ahead),
            )
        elif kind == "ext":
            _, ahead, reason, *decision = step
            extension = extension_services.extension_request_create(
                actor=lead_user,
                task=task,
                requested_deadline=today + datetime.timedelta(days=ahead),
                reason=reason,
            )
            if decision:
                extension_services.extension_request_decide(
                    actor=leader,
                    task=task,
                    extension=extension,
                    decision=decision[0],
                    reason="" if decision[0] != "refuse" else reason,
                )
    task.refresh_from_db()
    return task


def _playable(item: dict, focal: dict) -> bool:
    """The history needs a focal point for each agency that reports."""
    reporters = (
        {item["lead"]}
        if any(s[0] in ("p", "done", "start", "ext") for s in item["history"])
        else set()
    )
    reporters |= {s[1] for s in item["history"] if s[0] == "c"}
    return reporters <= set(focal)


@transaction.atomic
def seed_demo_tasks(today: datetime.date | None = None) -> DemoResult:
    """The Hanoi team's demo tasks (see the module docstring)."""
    today = today or local_today()
    result = DemoResult()
    team = Body.objects.filter(key=HANOI_TEAM_KEY).first()
    User = get_user_model()
    secretariat = User.objects.filter(username=SECRETARIAT_USERNAME).first()
    leader = User.objects.filter(username=LEADER_USERNAME).first()
    if team is None or secretariat is None or leader is None:
        result.skipped.append("registry not seeded (run the registry seed first)")
        return result
    sectors = seed_sectors()
    focal = _focal_points(team, today, result)
    for item in DEMO_TASKS:
        if Task.objects.filter(body=team, title=item["title"]).exists():
            result.existing += 1
            continue
        assigned_on = _days(today, item["assigned"])
        lead = _agency(item["lead"], assigned_on)
        coop = [
            (agency, part)
            for code, part in item.get("coop", [])
            if (agency := _agency(code, assigned_on)) is not None
        ]
        provinces = [
            unit
            for key in item.get("provinces", [])
            if (
                unit := AdministrativeUnit.objects.as_of(assigned_on)
                .filter(key=key)
                .first()
            )
        ]
        if lead is None or not _playable(item, focal):
            result.skipped.append(item["title"])
            continue
        deadline = item.get("deadline")
        owner = focal.get(item["lead"]) if item.get("key") else None
        task = services.task_create(
            actor=secretariat,
            body=team,
            title=item["title"],
            description="",
            source_text=item.get("source", ""),
            assigned_on=assigned_on,
            lead_agency=lead,
            cooperating=[{"agency": a, "description": part} for a, part in coop],
            owner=owner,
            sector=sectors[item["sector"]],
            provinces=provinces,
            is_key=item.get("key", False),
            deadline=today + datetime.timedelta(days=deadline)
            if deadline is not None
            else None,
            recurrence=item.get("recurrence", ""),
        )
        _play(
            task,
            item["history"],
            focal=focal,
            secretariat=secretariat,
            leader=leader,
            today=today,
        )
        result.created.append(task.code)
    return result


def seed_all(today: datetime.date | None = None) -> DemoResult:
    """Sectors and demo tasks; called at the end of ``manage.py seed_demo``."""
    seed_sectors()
    return seed_demo_tasks(today)
