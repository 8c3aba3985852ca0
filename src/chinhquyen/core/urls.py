from django.urls import path

from chinhquyen.core import views

urlpatterns = [path("healthz", views.healthz, name="healthz")]
