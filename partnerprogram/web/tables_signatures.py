"""django-tables2 asks `inspect.signature` which arguments a column's render(), value() and
linkify callables take, for every cell of every row it renders: a quarter of a table page's
time. The answer depends on the function only, so it is remembered per function (for a bound
method, per the function it binds: every column instance shares it).

`install()` is called once, when the apps are ready."""

from django_tables2 import utils

MAX_REMEMBERED = 4096  # callables made per table (lambdas) are forgotten past this many
ORIGINAL = utils.signature  # django-tables2's own, which computes the answer


def install():
    if getattr(utils.signature, "remembers", False):
        return
    utils.signature = remembering(utils.signature)


def remembering(signature):
    remembered = {}

    def remembered_signature(fn):
        function = getattr(fn, "__func__", None)
        key = (function, True) if function is not None else (fn, False)
        try:
            return remembered[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable
            return signature(fn)
        if len(remembered) >= MAX_REMEMBERED:
            remembered.clear()
        remembered[key] = result = signature(fn)
        return result

    remembered_signature.remembers = True
    return remembered_signature
