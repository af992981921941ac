from django.urls import path

from . import feedback_views, guide_views, paper_views, privacy_views, public_views, views

app_name = "cases"

urlpatterns = [
    path("guide/", guide_views.guide_list, name="guide"),
    path("guide/<slug:code>/", guide_views.guide_detail, name="guide_detail"),
    path("desk/", views.desk, name="desk"),
    path("desk/intake/", views.desk_intake, name="desk_intake"),
    path("queue/", views.queue, name="queue"),
    path("queue/intake/", views.queue_intake, name="queue_intake"),
    path("consultations/new/", views.consultation_create, name="consultation_create"),
    path("appointments/", views.appointments, name="appointments"),
    path("appointments/<int:pk>/<slug:action>/", views.appointment_action, name="appointment_action"),
    path("cases/<str:number>/", views.case_detail, name="detail"),
    path("cases/<str:number>/print/<slug:paper>/", views.case_print, name="print"),
    path("cases/<str:number>/receipt/", views.case_print, {"paper": "receipt"}, name="receipt"),
    path("cases/<str:number>/notice/", views.case_print, {"paper": "notice"}, name="notice"),
    path("cases/<str:number>/rate/", feedback_views.desk_rate, name="desk_rate"),
    path("cases/<str:number>/identity/", privacy_views.identity_reveal, name="identity_reveal"),
    path("cases/<str:number>/<slug:action>/", views.case_action, name="action"),
    path("track/", public_views.track, name="track"),
    path("verify/", paper_views.verify_number, name="verify"),
    path("v/<str:token>/", paper_views.verify_paper, name="verify_paper"),
    path("t/<str:token>/", public_views.public_case, name="public_token"),
    path("t/<str:token>/rate/", public_views.public_rate, name="public_rate"),
    path("rectifications/", feedback_views.rectifications, name="rectifications"),
    path("api/v1/cases/<str:number>", public_views.api_case, name="api_case"),
]
