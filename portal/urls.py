from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from portal import converters, views  # noqa: F401 (converters registers <id:...>)
from portal.accounts import two_factor
from portal.accounts.forms import SignInForm
from portal.accounts.oidc import OIDCCallbackView, OIDCStartView
from portal.accounts.views import PasswordChangeView, PasswordResetView, SignInView
from portal.progress.views.dashboard import dashboard

auth_patterns = [
    path(
        "login/",
        SignInView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "oidc/callback/",
        login_not_required(OIDCCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path(
        "oidc/authenticate/",
        login_not_required(OIDCStartView.as_view()),
        name="oidc_authentication_init",
    ),
    path("2fa/", two_factor.two_factor, name="two-factor"),
    path("2fa/qr.svg", two_factor.two_factor_qr, name="two-factor-qr"),
    path("password/reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    # The learner dashboard is everyone's home page.
    path("", dashboard, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.liveness, name="liveness"),
    path("csp-report/", views.csp_report, name="csp-report"),
    path("accounts/", include(auth_patterns)),
    path("", include("education.urls")),
    path("", include("quizzes.urls")),
    path("", include("portal.progress.urls")),
    path("", include("portal.evaluations.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "portal.errors.handler500"
