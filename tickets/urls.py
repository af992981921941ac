from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("tickets/issue/", views.issue, name="issue"),
    path("tickets/guide/", views.guide, name="guide"),
    path("tickets/day/", views.day_summary, name="day"),
    path("tickets/<int:pk>/slip/", views.slip, name="slip"),
    path("tickets/desk/<slug:kind>/<int:pk>/", views.panel, name="panel"),
    path("tickets/desk/<slug:kind>/<int:pk>/<slug:action>/", views.desk_action, name="desk_action"),
    path("hall/calls.json", views.board_calls, name="board_calls"),
    path("q/<str:token>/", views.public, name="public"),
]
