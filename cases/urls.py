from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("guide/", views.guide_list, name="guide"),
    path("guide/<slug:code>/", views.guide_detail, name="guide_detail"),
    path("desk/", views.desk, name="desk"),
    path("queue/", views.queue, name="queue"),
    path("appointments/", views.appointments, name="appointments"),
]
