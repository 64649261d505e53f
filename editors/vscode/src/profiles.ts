// LLxprt: Load Profile — a quick pick over llxprt/profiles that shows each
// profile's type, buckets and notes, then llxprt/profile/load.

import * as vscode from 'vscode';
import { errorMessage, type Server } from './client';
import { profilePick } from './format';
import { Methods, type ProfileInfo, type Status } from './protocol';

interface Item extends vscode.QuickPickItem {
  profile: ProfileInfo;
}

/**
 * loadProfile asks the user for a profile (unless name is given) and loads
 * it. It returns the new status, or undefined when nothing was loaded.
 */
export async function loadProfile(server: Server, onStatus: (st: Status) => void, name?: string): Promise<Status | undefined> {
  if (!name) {
    let profiles: ProfileInfo[];
    try {
      profiles = (await server.request<ProfileInfo[] | null>(Methods.profiles, {})) ?? [];
    } catch (err) {
      void vscode.window.showErrorMessage(`LLxprt: could not list profiles: ${errorMessage(err)}`);
      return undefined;
    }
    const noneSaved = 'no saved profiles yet: run `llxprt-ls profile init` for the recipe\'s three, or save one as JSON in the profiles folder of the llxprt-ls config directory (~/.llxprt/profiles/)';
    if (profiles.length === 0) {
      void vscode.window.showInformationMessage(`LLxprt: ${noneSaved}.`);
      return undefined;
    }
    const items: Item[] = profiles.map((p) => ({ ...profilePick(p), profile: p, picked: p.active === true }));
    const pick = await vscode.window.showQuickPick(items, {
      title: 'LLxprt: Load Profile',
      placeHolder: profiles.every((p) => p.inline) ? `Only the inline profile is serving; ${noneSaved}` : 'Profile to load (type, buckets and notes are shown)',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!pick) {
      return undefined;
    }
    if (pick.profile.inline) {
      void vscode.window.showInformationMessage(`LLxprt: ${pick.profile.name} is the profile this server was started with (--profile or --demo); it is already serving and is not saved, so there is nothing to load. Pick a saved profile to switch.`);
      return undefined;
    }
    if (pick.profile.valid === false) {
      void vscode.window.showErrorMessage(`LLxprt: profile ${pick.profile.name} is invalid: ${pick.profile.error ?? 'unknown error'}`);
      return undefined;
    }
    name = pick.profile.name;
  }
  try {
    const st = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `LLxprt: loading profile ${name}` },
      () => server.request<Status>(Methods.loadProfile, { name }),
    );
    if (st && typeof st === 'object') {
      onStatus({ ...st, profile: st.profile || name });
    }
    vscode.window.setStatusBarMessage(`LLxprt: profile ${name} loaded`, 3000);
    return st;
  } catch (err) {
    void vscode.window.showErrorMessage(`LLxprt: could not load profile ${name}: ${errorMessage(err)}`);
    return undefined;
  }
}
