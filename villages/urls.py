from django.urls import path

from . import views

app_name = "villages"

urlpatterns = [
    path("roster/", views.roster, name="roster"),
    path("roster/month/", views.duty_roster, name="duty_roster"),
    path("roster/save/", views.roster_save, name="roster_save"),
    path("roster/rotate/", views.roster_rotate, name="roster_rotate"),
    path("roster/shift/<int:pk>/", views.shift_correct, name="shift"),
    path("desk/sign-in/", views.sign_in, name="sign_in"),
    path("desk/sign-out/", views.sign_out, name="sign_out"),
    path("api/v1/market-days", views.api_market_days, name="api_market_days"),
]
