from django.urls import path

from customers.views import history

app_name = "customers"
urlpatterns = [
    path("history/<int:content_type_id>/<str:object_id>/", history.history, name="history"),
]
