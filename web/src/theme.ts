/**
 * Keyi's Ant Design theme. Its own module because the build reads it too: vite.antd-css.ts
 * renders every antd component with this theme at build time, so the browser gets antd's CSS as
 * a file instead of generating it at run time (see that file for why).
 */
import { theme as antTheme, type ThemeConfig } from 'antd';

export const THEME: ThemeConfig = {
  token: {
    colorPrimary: '#3358d4',
    colorInfo: '#3358d4',
    colorSuccess: '#0f9d76',
    borderRadius: 8,
    colorBgLayout: '#f4f6fa',
    fontFamily:
      '-apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Helvetica Neue", Arial, sans-serif',
  },
  components: {
    Layout: { headerBg: '#ffffff', siderBg: '#ffffff', headerHeight: 56, headerPadding: '0 16px' },
    Table: { headerBg: '#f8f9fc', rowHoverBg: '#f3f6ff' },
    Menu: { itemBorderRadius: 8, itemSelectedBg: '#edf2ff', itemSelectedColor: '#2a46b8', itemHeight: 38 },
  },
  algorithm: antTheme.defaultAlgorithm,
};
