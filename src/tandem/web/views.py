from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/base.html")


def organization_switch(request: HttpRequest) -> HttpResponse:
    return render(request, "web/base.html")


def team_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/base.html")


def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "web/base.html")
