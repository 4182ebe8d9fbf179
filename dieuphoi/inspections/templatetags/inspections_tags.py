"""``{% figure_links inspection as figures %}``: an inspection row's
follow-up numbers with their links (``views.figure_links``)."""

from django import template

register = template.Library()


@register.simple_tag
def figure_links(inspection):
    from dieuphoi.inspections.views import figure_links as links

    return links(inspection.pk, inspection.followup)
