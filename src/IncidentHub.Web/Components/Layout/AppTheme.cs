using MudBlazor;

namespace IncidentHub.Web.Components.Layout;

/// <summary>A dark, high-contrast theme: readable at 3 a.m., with severity colours that stand out.</summary>
public static class AppTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteDark = new PaletteDark
        {
            Primary = "#5B9BFF",
            Secondary = "#9AA4B2",
            Background = "#0F1216",
            Surface = "#171B21",
            AppbarBackground = "#12161B",
            AppbarText = "#E6E9EE",
            DrawerBackground = "#12161B",
            TextPrimary = "#E6E9EE",
            TextSecondary = "#9AA4B2",
            LinesDefault = "#2A3039",
            TableLines = "#242A32",
            TableHover = "#1E242C",
            Error = "#FF4D4F",
            Warning = "#FFA940",
            Info = "#40A9FF",
            Success = "#52C41A",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Inter", "Segoe UI", "DejaVu Sans", "Helvetica", "Arial", "sans-serif"], FontSize = "0.875rem" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "4px" },
    };
}
