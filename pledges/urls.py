from django.urls import path

app_name = "pledges"
urlpatterns = []
