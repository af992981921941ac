from django.urls import path

from . import views

app_name = "departments"

urlpatterns = [
    path("county/", views.county, name="county"),
    path("county/rounds/new/", views.round_new, name="round_new"),
    path("county/rounds/<int:pk>/", views.round_edit, name="round_edit"),
    path("county/rounds/<int:pk>/cancel/", views.round_cancel, name="round_cancel"),
]
