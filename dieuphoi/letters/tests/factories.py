import factory

from dieuphoi.letters.models import IssuingProfile
from dieuphoi.org.tests.factories import BodyFactory


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
    signer_authority = "TM. TỔ ĐIỀU PHỐI"
    signer_title = "TỔ TRƯỞNG"
    signer_name = ""
    recipients = "Lãnh đạo Tổ điều phối"
    archive_line = "Lưu: VT, TĐP"
