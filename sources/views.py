from django.shortcuts import get_object_or_404, render

from .models import Outlet, Source


def source_list(request):
    return render(request, "sources/list.html", {"sources": Source.objects.all()[:50]})


def source_detail(request, code):
    source = get_object_or_404(Source, code=code)
    return render(request, "sources/detail.html", {"source": source})


def outlet_list(request):
    return render(request, "sources/outlet_list.html", {"outlets": Outlet.objects.all()})


def outlet_detail(request, code):
    outlet = get_object_or_404(Outlet, code=code)
    return render(request, "sources/outlet_detail.html", {"outlet": outlet})
