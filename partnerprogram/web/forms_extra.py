"""`{% filter_field field %}`: a filter form's field in Bootstrap 5 markup, the markup that
crispy-forms' `as_crispy_field` writes (wrapper, label, widget classes, errors, help), built
here in one pass. Crispy renders a field through some twenty nested templates, a fifth of a
KPI page's time; the filter forms are on every KPI and list page. Widgets other than a text,
date or number input or a single select are left to crispy."""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from partnerprogram.web.fields import PartnerSearchInput

register = template.Library()

# The widget classes with the Bootstrap class they take; subclasses of these that render
# differently (checkboxes, radio lists, multiple selects, files) are not among them.
PLAIN_WIDGETS = {
    forms.TextInput: "form-control",
    forms.DateInput: "form-control",
    forms.NumberInput: "form-control",
    forms.EmailInput: "form-control",
    forms.Select: "form-select",
    PartnerSearchInput: "form-control",
}


@register.simple_tag
def filter_field(field):
    widget = field.field.widget
    css = PLAIN_WIDGETS.get(type(widget))
    if css is None or field.is_hidden:
        return as_crispy_field(field)
    classes = [type(widget).__name__.lower(), css]
    if own := widget.attrs.get("class"):
        classes.insert(0, own)
    if field.errors:
        classes.append("is-invalid")
    required = field.field.required
    label = format_html(
        '<label for="{}" class="form-label{}">{}{}</label>',
        field.id_for_label,
        " requiredField" if required else "",
        field.label,
        mark_safe('<span class="asteriskField">*</span>') if required else "",
    )
    errors = ""
    if field.errors:
        errors = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            field.auto_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((n, field.auto_id, error) for n, error in enumerate(field.errors, 1)),
            ),
        )
    help_text = ""
    if field.help_text:
        help_text = format_html(
            '<div id="{}_helptext" class="form-text">{}</div>',
            field.auto_id,
            mark_safe(field.help_text),  # noqa: S308 (as crispy: help texts are the code's)
        )
    return format_html(
        '<div id="div_{}" class="mb-3">{}{}{}{}</div>',
        field.auto_id,
        label,
        field.as_widget(attrs={"class": " ".join(classes)}),
        errors,
        help_text,
    )
