"""Cycles, the alignment tree, closing a cycle, its review, and adjusting a score."""

from django.urls import path

from tandem.web import views_cycles as views

urlpatterns = [
    path("cycles/", views.cycle_list, name="cycles"),
    path("cycles/fiscal-year/", views.cycle_fiscal_year, name="cycle_fiscal_year"),
    path("cycles/<int:pk>/activate/", views.cycle_activate, name="cycle_activate"),
    path("cycles/<int:pk>/close/", views.cycle_close, name="cycle_close"),
    path("cycles/<int:pk>/review/", views.cycle_review, name="cycle_review"),
    path("cycles/<int:pk>/tree/", views.cycle_tree, name="cycle_tree"),
    path(
        "cycles/<int:pk>/tree/branch/<int:objective_pk>/",
        views.cycle_tree_branch,
        name="cycle_tree_branch",
    ),
    path(
        "cycles/<int:pk>/tree/group/<str:key>/",
        views.cycle_tree_group,
        name="cycle_tree_group",
    ),
    path("tree/", views.tree, name="tree"),
    path("objectives/<int:pk>/score/", views.objective_score, name="objective_score"),
]
