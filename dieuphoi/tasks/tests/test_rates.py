"""Official rates: the arithmetic and rounding, and where they are shown (the
summary page, the API summary, the XLSX export), each beside its
denominator, in the Vietnamese number format."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from dieuphoi.tasks import exports, rates
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.rates import due_count, percent, rates_from_counts

S = Task.State
DAY = datetime.timedelta(days=1)

# The Government Office's 2017 figures (domain.md §3).
VPCP_2017 = {
    "completed_on_time": 14068,
    "completed_late": 1983,
    "in_progress_within_deadline": 5640,
    "overdue": 223,
}


class TestArithmetic:
    def test_tasks_due_are_completed_plus_overdue(self):
        assert due_count(VPCP_2017) == 14068 + 1983 + 223
        assert due_count({}) == 0

    def test_each_rate_has_its_numerator_and_denominator(self):
        by_key = {r.key: r for r in rates_from_counts(VPCP_2017)}
        assert set(by_key) == {
            "completion",
            "on_time",
            "overdue_of_due",
            "overdue_of_all",
        }
        assert (by_key["completion"].numerator, by_key["completion"].denominator) == (
            16051,
            16274,
        )
        assert (by_key["on_time"].numerator, by_key["on_time"].denominator) == (
            14068,
            16051,
        )
        assert by_key["overdue_of_due"].denominator == 16274
        assert by_key["overdue_of_all"].denominator == 21914
        assert by_key["completion"].value == Decimal("98.63")
        assert by_key["on_time"].value == Decimal("87.65")
        assert by_key["overdue_of_due"].value == Decimal("1.37")
        assert by_key["overdue_of_all"].value == Decimal("1.02")
        assert {r.key: r.denominator_key for r in by_key.values()} == {
            "completion": "due",
            "on_time": "completed",
            "overdue_of_due": "due",
            "overdue_of_all": "total",
        }

    @pytest.mark.parametrize(
        "numerator, denominator, expected",
        [
            (1, 160, "0.63"),  # 0.625: half away from zero (half-even: 0.62)
            (3, 160, "1.88"),  # 1.875
            (1, 8, "12.50"),
            (2, 3, "66.67"),  # 66.666…: from the exact fraction
            (1, 3, "33.33"),
            (1, 1, "100.00"),
            (0, 7, "0.00"),
            (1, 200000, "0.00"),  # 0.0005
            (1, 20000, "0.01"),  # 0.005 exactly: up
            (2, 30000, "0.01"),  # 0.00666…
        ],
    )
    def test_rounding_is_two_decimals_half_away_from_zero(
        self, numerator, denominator, expected
    ):
        assert percent(numerator, denominator) == Decimal(expected)

    def test_a_half_just_below_one_hundred_rounds_up_to_one_hundred(self):
        assert percent(39999, 40000) == Decimal("100.00")  # 99.9975
        assert percent(19999, 20000) == Decimal("100.00")  # 99.995

    def test_no_denominator_gives_no_rate(self):
        for rate in rates_from_counts({}):
            assert rate.value is None
            assert rate.display == "—"

    def test_numbers_are_in_the_vietnamese_format(self):
        rate = next(r for r in rates_from_counts(VPCP_2017) if r.key == "completion")
        with translation.override("vi"):
            assert rates.format_count(21914) == "21.914"
            assert rate.display == "98,63%"
            assert rate.denominator_display == "16.274"
        with translation.override("en"):
            assert rates.format_count(21914) == "21,914"
            assert rate.display == "98.63%"

    def test_the_cached_separators_print_what_number_format_prints(self):
        """``format_count``/``format_percent`` keep each language's
        separators instead of looking them up per number: the same text as
        Django's ``number_format`` for every count and rate shape."""
        from django.utils import formats

        counts = [0, 7, 999, 1000, 21914, 999999, 1234567, 200000000]
        values = [percent(n, d) for n, d in [(0, 1), (1, 3), (2, 3), (1, 1)]]
        values += [
            Decimal("0.01"),
            Decimal("9.99"),
            Decimal("98.62"),
            Decimal("1234.50"),
        ]
        for language in ("vi", "en"):
            with translation.override(language):
                for n in counts:
                    assert rates.format_count(n) == formats.number_format(
                        n, force_grouping=True
                    )
                for value in values:
                    expected = formats.number_format(
                        value, decimal_pos=2, force_grouping=True
                    )
                    assert rates.format_percent(value) == f"{expected}%"
        with translation.override("vi"):
            assert rates.format_percent(Decimal("1234.50")) == "1.234,50%"

    def test_a_row_at_a_time_prints_what_each_number_prints(self):
        """``active_numbers()`` (the summary's rows) formats a row's cells and
        rates as ``format_count`` and ``format_percent`` do one by one, in the
        language active when it was taken; a missing count prints nothing."""
        cells = [{"count": n} for n in (0, 999, 21914, 1234567)] + [{"count": None}]
        row_rates = rates_from_counts(VPCP_2017) + rates_from_counts({})
        for language in ("vi", "en"):
            with translation.override(language):
                numbers = rates.active_numbers()
                assert numbers.counted(cells) == [
                    (
                        cell,
                        rates.format_count(cell["count"])
                        if cell["count"] is not None
                        else "",
                    )
                    for cell in cells
                ]
                assert numbers.rates(row_rates) == [
                    (r.display, r.numerator_display, r.denominator_display)
                    for r in row_rates
                ]
        with translation.override("vi"):
            numbers = rates.active_numbers()
        with translation.override("en"):
            assert numbers.count(21914) == "21.914"
            assert numbers.percent(Decimal("98.62")) == "98,62%"


# --- where they are shown ----------------------------------------------------------------


@pytest.fixture
def some_tasks(make_task, today):
    """2 on time, 1 late, 1 within deadline, 3 overdue, 1 cancelled."""
    for _ in range(2):
        make_task(deadline=today, state=S.COMPLETED, completed_on=today - DAY)
    make_task(deadline=today - 5 * DAY, state=S.COMPLETED, completed_on=today - DAY)
    make_task(deadline=today + 5 * DAY)
    for _ in range(3):
        make_task(deadline=today - DAY)
    make_task(state=S.CANCELLED, cancelled_on=today - DAY)


@pytest.fixture
def api(client):
    from dieuphoi.tasks.tests.test_api import Api

    return lambda user: Api(client, user)


def test_api_summary_gives_rates_with_denominators(api, secretariat, some_tasks):
    data = api(secretariat).get("/summary").json()
    totals = data["totals"]
    assert totals["due"] == 6 and totals["total"] == 7
    by_key = {r["key"]: r for r in totals["rates"]}
    assert by_key["completion"] | {"label": "", "denominator_label": ""} == {
        "key": "completion",
        "value": 50.0,
        "numerator": 3,
        "denominator": 6,
        "denominator_key": "due",
        "label": "",
        "denominator_label": "",
    }
    assert by_key["on_time"]["value"] == 66.67
    assert by_key["overdue_of_all"]["value"] == 42.86
    assert by_key["overdue_of_all"]["denominator_key"] == "total"
    assert data["by_agency"][0]["rates"][0]["denominator"] == 6
    assert data["rounding"]


def test_api_summary_schema_documents_the_rates(api, secretariat):
    schema = api(secretariat).client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    assert "denominator" in components["RateOut"]["properties"]
    assert "rates" in components["CountsOut"]["properties"]
    assert components["RateOut"]["properties"]["value"]["description"]


def test_api_summary_for_an_outsider_has_no_rates(api, outsider, some_tasks):
    data = api(outsider).get("/summary").json()
    assert data["totals"]["total"] == 0
    assert all(r["value"] is None for r in data["totals"]["rates"])


def test_summary_page_shows_rates_denominators_and_the_rounding_rule(
    login, secretariat, some_tasks
):
    response = login(secretariat).get(reverse("tasks:summary"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="summary-rate-completion"' in html
    assert f'id="summary-rounding">{rates.ROUNDING}<' in html
    # Vietnamese number format (the default language): 50,00%, 3 / 6.
    assert "50,00%" in html and "66,67%" in html and "42,86%" in html
    assert "3 / 6" in html
    # Per agency: the rates beside their numerators and denominators.
    row = html[html.index('id="summary-row-agency-') :]
    row = row[: row.index("</tr>")]
    assert "50,00%" in row and "3/6" in row


def test_summary_page_groups_thousands(login, secretariat, monkeypatch):
    from dieuphoi.tasks import selectors

    real = selectors.task_summary

    def big(**kwargs):
        summary = real(**kwargs)
        summary["totals"].update(
            VPCP_2017, total=21914, due=16274, rates=rates_from_counts(VPCP_2017)
        )
        return summary

    monkeypatch.setattr(selectors, "task_summary", big)
    html = login(secretariat).get(reverse("tasks:summary")).content.decode()
    assert "21.914" in html and "98,63%" in html and "16.051 / 16.274" in html


def test_summary_page_for_an_outsider_counts_nothing(login, outsider, some_tasks):
    response = login(outsider).get(reverse("tasks:summary"))
    assert response.status_code == 200
    assert "—" in response.content.decode()


def test_export_has_a_rates_sheet_with_numbers(login, secretariat, some_tasks):
    response = login(secretariat).get(reverse("tasks:export"))
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(wb.worksheets) == 3  # tasks, rates, about
    ws = wb.worksheets[1]
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    totals = rows[1]
    due = totals[len(header) - 5]
    completion = totals[len(header) - 4]
    assert due.value == 6 and due.number_format == exports.COUNT_FORMAT
    assert completion.value == pytest.approx(0.5)
    assert completion.number_format == exports.RATE_FORMAT
    assert totals[-1].value == pytest.approx(0.4286)
    # The agency row follows, and the rounding rule is stated.
    assert rows[2][0].value == "Sở Xây dựng"
    texts = [r[0].value for r in rows if r and r[0].value]
    assert str(rates.ROUNDING) in texts


def test_export_rates_ignore_the_bucket_filter(login, secretariat, some_tasks):
    response = login(secretariat).get(reverse("tasks:export"), {"bucket": "overdue"})
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.worksheets[0].max_row == 1 + 3  # the list: overdue only
    totals = list(wb.worksheets[1].iter_rows(values_only=True))[1]
    assert 6 in totals  # tasks due over every bucket
