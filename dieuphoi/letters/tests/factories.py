import factory

from dieuphoi.org.tests.factories import BodyFactory
from dieuphoi.paperwork.models import IssuingProfile


class IssuingProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IssuingProfile
        django_get_or_create = ("body",)

    body = factory.SubFactory(BodyFactory)
    governing_body_line = "UBND THÀNH PHỐ HÀ NỘI"
    issuer_line = "TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ"
    issuer_short_name = "Tổ điều phối"
    symbol = "TĐP"
    place = "Hà Nội"
    collective_name = "TỔ ĐIỀU PHỐI"
    head_title = "TỔ TRƯỞNG"
    deputy_title = "PHÓ TỔ TRƯỞNG"
    recipients = "Lãnh đạo Tổ điều phối"
    archive_line = "Lưu: VT, TĐP"
