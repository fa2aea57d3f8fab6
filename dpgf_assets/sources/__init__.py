"""Where files come from: the FileSource protocol, a local folder, a SharePoint library through Microsoft Graph."""
